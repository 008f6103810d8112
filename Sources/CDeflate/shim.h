// libdeflate (Debian libdeflate-dev): whole-buffer gzip compression about 1.5× as fast as zlib at level 1,
// used to write .nii.gz files in parallel members.
#include <libdeflate.h>
