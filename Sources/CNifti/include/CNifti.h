// nifti_clib (Debian libnifti2-dev) as seen from Swift. Only the NIfTI-2 API is used: it reads and writes
// NIfTI-1 too, and linking niftiio beside nifti2 would clash on 98 symbol names.
#ifndef CNIFTI_H
#define CNIFTI_H
#include "/usr/include/nifti/nifti2_io.h"
#include <zlib.h>
#endif
