// Forwards the <znzlib.h> that nifti2_io.h includes with angle brackets to Debian's copy.
#include "/usr/include/nifti/znzlib.h"
