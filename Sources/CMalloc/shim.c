/* Nothing to compile: the module only exports <malloc.h>. */
#include "CMalloc.h"
