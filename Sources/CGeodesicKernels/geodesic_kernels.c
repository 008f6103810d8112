#include "CGeodesicKernels.h"

/* __builtin_elementwise_sqrt has no error semantics, so the loops vectorise without -fno-math-errno. */

void gk_relax_row(float *restrict distance, const float *restrict from, const float *restrict value,
                  const float *restrict neighbour, long count, float square, float c2) {
    for (long i = 0; i < count; i++) {
        float change = value[i] - neighbour[i];
        float through = from[i] + __builtin_elementwise_sqrt(square + c2 * change * change);
        distance[i] = through < distance[i] ? through : distance[i];
    }
}

void gk_row_steps(float *restrict step, const float *restrict value, long count, float square, float c2) {
    for (long i = 1; i < count; i++) {
        float change = value[i] - value[i - 1];
        step[i] = __builtin_elementwise_sqrt(square + c2 * change * change);
    }
}
