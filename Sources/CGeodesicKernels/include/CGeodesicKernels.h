/* The inner loops of the geodesic distance's raster scans (Segmenters' GeodesicDistance): a square root per
   neighbour, which Swift does not vectorise (its square root keeps the C library's error semantics), and which
   these loops take several at a time. See geodesic_kernels.c. */
#ifndef C_GEODESIC_KERNELS_H
#define C_GEODESIC_KERNELS_H

/* For i in [0, count): distance[i] = min(distance[i], from[i] + sqrt(square + c2 · (value[i] − neighbour[i])²)).
   `from` and `neighbour` are a neighbouring row's distances and intensities; they must not overlap `distance`. */
void gk_relax_row(float *distance, const float *from, const float *value, const float *neighbour, long count,
                  float square, float c2);

/* For i in [1, count): step[i] = sqrt(square + c2 · (value[i] − value[i − 1])²), the cost of the step between two
   neighbours along a row. */
void gk_row_steps(float *step, const float *value, long count, float square, float c2);

#endif
