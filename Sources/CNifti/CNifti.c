// Empty: CNifti only exists to put its include/ folder on its importers' header path.
#include "CNifti.h"
