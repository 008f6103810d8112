// OpenBLAS's CBLAS interface (Debian libopenblas-dev, pthread build). Only sgemm is used.
#include <cblas.h>
