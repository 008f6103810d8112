/* The 3×3×3 convolution (stride 1, padding 1) by Winograd's minimal filtering F(2×2×2, 3×3×3): each 2×2×2 block of
   outputs comes from a 4×4×4 block of inputs with 64 multiplications per input/output channel pair instead of
   8 × 27 = 216. The inputs and the weights are carried into the transform domain (adds only for the inputs), the 64
   transformed positions are 64 small matrix products over the channels, and the products are carried back.
   F(2, 3) is the variant whose transforms use only 0, ±1 and ±½, so it loses no more than a digit of Float
   precision. Vectors run along 8 neighbouring output blocks of one row. */

#include "CConvKernels.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

/* G (4 × 3), which carries a kernel row into the transform domain. */
static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

int ck_winograd_outs(int cout) { return (cout + 7) / 8 * 8; }

void ck_winograd_weights(const float *w, float *u, int cin, int cout) {
    const int outs = ck_winograd_outs(cout);
    memset(u, 0, sizeof(float) * 64 * cin * outs);
    for (int co = 0; co < cout; co++) {
        for (int ci = 0; ci < cin; ci++) {
            const float *g = w + ((long)co * cin + ci) * 27;
            /* Along x, then y, then z: t1[a][b][fx], t2[a][fy][fx], then each f. */
            double t1[3][3][4], t2[3][4][4];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    for (int f = 0; f < 4; f++)
                        t1[a][b][f] = G[f][0] * g[(a * 3 + b) * 3] + G[f][1] * g[(a * 3 + b) * 3 + 1] + G[f][2] * g[(a * 3 + b) * 3 + 2];
            for (int a = 0; a < 3; a++)
                for (int fy = 0; fy < 4; fy++)
                    for (int fx = 0; fx < 4; fx++)
                        t2[a][fy][fx] = G[fy][0] * t1[a][0][fx] + G[fy][1] * t1[a][1][fx] + G[fy][2] * t1[a][2][fx];
            for (int fz = 0; fz < 4; fz++)
                for (int fy = 0; fy < 4; fy++)
                    for (int fx = 0; fx < 4; fx++) {
                        const double value = G[fz][0] * t2[0][fy][fx] + G[fz][1] * t2[1][fy][fx] + G[fz][2] * t2[2][fy][fx];
                        u[((long)((fz * 4 + fy) * 4 + fx) * cin + ci) * outs + co] = (float)value;
                    }
        }
    }
}

#if defined(__x86_64__)
/* Bᵀ·d along one axis: d0 − d2, d1 + d2, d2 − d1, d1 − d3. */
#define INPUT_TRANSFORM(d0, d1, d2, d3, v0, v1, v2, v3)                                                              \
    do {                                                                                                              \
        v0 = _mm256_sub_ps(d0, d2);                                                                                   \
        v1 = _mm256_add_ps(d1, d2);                                                                                   \
        v2 = _mm256_sub_ps(d2, d1);                                                                                   \
        v3 = _mm256_sub_ps(d1, d3);                                                                                   \
    } while (0)

/* Aᵀ·m along one axis: m0 + m1 + m2, m1 − m2 − m3. */
#define OUTPUT_TRANSFORM(m0, m1, m2, m3, o0, o1)                                                                      \
    do {                                                                                                              \
        const __m256 sum12 = _mm256_add_ps(m1, m2), diff12 = _mm256_sub_ps(m1, m2);                                   \
        o0 = _mm256_add_ps(m0, sum12);                                                                                \
        o1 = _mm256_sub_ps(diff12, m3);                                                                               \
    } while (0)

/* The 64 transformed inputs of one input channel for 8 output blocks in a row. `row` points at the padded input
   under the first block's corner. Lanes hold the blocks in the order 0 1 4 5 2 3 6 7 (what splitting 16 floats into
   even and odd positions with two in-lane shuffles gives); the output side undoes it for free. */
__attribute__((target("avx2,fma")))
static void input_tile(const float *row, long rowStride, long planeStride, float *v, long fStride) {
    __m256 s[4][4][4]; /* [z][fy][fx] after the x and y transforms */
    for (int dz = 0; dz < 4; dz++) {
        __m256 t[4][4]; /* [dy][fx] */
        for (int dy = 0; dy < 4; dy++) {
            const float *p = row + dz * planeStride + dy * rowStride;
            /* Half of the next 16 blocks' inputs (the other call of the pair fetches the other half): 16 rows per
               channel are too many streams for the hardware prefetcher. */
            _mm_prefetch((const char *)(p + 32), _MM_HINT_T0);
            _mm_prefetch((const char *)(p + 49), _MM_HINT_T0);
            const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
            const __m256 c = _mm256_loadu_ps(p + 2), d = _mm256_loadu_ps(p + 10);
            const __m256 d0 = _mm256_shuffle_ps(a, b, 0x88), d1 = _mm256_shuffle_ps(a, b, 0xDD);
            const __m256 d2 = _mm256_shuffle_ps(c, d, 0x88), d3 = _mm256_shuffle_ps(c, d, 0xDD);
            INPUT_TRANSFORM(d0, d1, d2, d3, t[dy][0], t[dy][1], t[dy][2], t[dy][3]);
        }
        for (int fx = 0; fx < 4; fx++)
            INPUT_TRANSFORM(t[0][fx], t[1][fx], t[2][fx], t[3][fx], s[dz][0][fx], s[dz][1][fx], s[dz][2][fx], s[dz][3][fx]);
    }
    for (int fy = 0; fy < 4; fy++)
        for (int fx = 0; fx < 4; fx++) {
            __m256 v0, v1, v2, v3;
            INPUT_TRANSFORM(s[0][fy][fx], s[1][fy][fx], s[2][fy][fx], s[3][fy][fx], v0, v1, v2, v3);
            const int f = fy * 4 + fx;
            _mm256_storeu_ps(v + (f + 0) * fStride, v0);
            _mm256_storeu_ps(v + (f + 16) * fStride, v1);
            _mm256_storeu_ps(v + (f + 32) * fStride, v2);
            _mm256_storeu_ps(v + (f + 48) * fStride, v3);
        }
}

/* 2·N accumulators: N output channels × 16 blocks, every broadcast weight meeting two vectors of inputs. */
__attribute__((target("avx2,fma"), always_inline))
static inline void channel_block(const float *u, const float *v, float *m, int cin, int outs, const int N) {
    __m256 a[6], b[6];
    for (int j = 0; j < N; j++) a[j] = b[j] = _mm256_setzero_ps();
    for (int ci = 0; ci < cin; ci++) {
        const __m256 x0 = _mm256_loadu_ps(v + ci * 16), x1 = _mm256_loadu_ps(v + ci * 16 + 8);
        for (int j = 0; j < N; j++) {
            const __m256 weight = _mm256_broadcast_ss(u + j);
            a[j] = _mm256_fmadd_ps(weight, x0, a[j]);
            b[j] = _mm256_fmadd_ps(weight, x1, b[j]);
        }
        u += outs;
    }
    for (int j = 0; j < N; j++) {
        _mm256_storeu_ps(m + j * 16, a[j]);
        _mm256_storeu_ps(m + j * 16 + 8, b[j]);
    }
}

/* m[f][co][16 blocks] = Σ_ci u[f][ci][co] · v[f][ci][16 blocks], 6 output channels at a time (12 accumulators: 4
   channels, 8 accumulators, measured 0.75–0.85× as fast), then 4 or 2. */
__attribute__((target("avx2,fma")))
static void products(const float *u, const float *v, long vStride, float *m, long mStride, int cin, int outs) {
    for (int f = 0; f < 64; f++) {
        const float *vf = v + f * vStride, *uf = u + (long)f * cin * outs;
        float *mf = m + f * mStride;
        int o = 0;
        for (; o + 6 <= outs; o += 6) channel_block(uf + o, vf, mf + o * 16, cin, outs, 6);
        if (outs - o == 4) channel_block(uf + o, vf, mf + o * 16, cin, outs, 4);
        if (outs - o == 2) channel_block(uf + o, vf, mf + o * 16, cin, outs, 2);
    }
}

/* One output channel's 2×2×2 blocks for the 8 blocks of a row, from its 64 products (fStride floats apart): 16
   outputs per row at `out` (rows `rowStride`, planes `planeStride` apart). */
__attribute__((target("avx2,fma")))
static void output_tile(const float *m, long fStride, float *out, long rowStride, long planeStride) {
    __m256 r[2][4][4]; /* [oz][fy][fx] */
    for (int fy = 0; fy < 4; fy++)
        for (int fx = 0; fx < 4; fx++) {
            const int f = fy * 4 + fx;
            const __m256 m0 = _mm256_loadu_ps(m + (f + 0) * fStride), m1 = _mm256_loadu_ps(m + (f + 16) * fStride);
            const __m256 m2 = _mm256_loadu_ps(m + (f + 32) * fStride), m3 = _mm256_loadu_ps(m + (f + 48) * fStride);
            OUTPUT_TRANSFORM(m0, m1, m2, m3, r[0][fy][fx], r[1][fy][fx]);
        }
    for (int oz = 0; oz < 2; oz++) {
        __m256 q[2][4]; /* [oy][fx] */
        for (int fx = 0; fx < 4; fx++) OUTPUT_TRANSFORM(r[oz][0][fx], r[oz][1][fx], r[oz][2][fx], r[oz][3][fx], q[0][fx], q[1][fx]);
        for (int oy = 0; oy < 2; oy++) {
            __m256 even, odd;
            OUTPUT_TRANSFORM(q[oy][0], q[oy][1], q[oy][2], q[oy][3], even, odd);
            /* Blocks in lanes 0 1 4 5 2 3 6 7: interleaving even and odd outputs lane by lane puts x in order. */
            const __m256 low = _mm256_unpacklo_ps(even, odd), high = _mm256_unpackhi_ps(even, odd);
            float *target = out + oz * planeStride + oy * rowStride;
            _mm256_storeu_ps(target, low);
            _mm256_storeu_ps(target + 8, high);
        }
    }
}

/* C11 asks aligned_alloc for a size that is a multiple of the alignment (sanitizers refuse any other). */
static float *aligned_floats(long count) {
    const size_t bytes = ((size_t)count * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes);
}
#endif

int ck_winograd_conv3x3(const float *xp, const float *u, float *y, int cin, int cout, int D, int H, int W, int row0, int row1,
                        long out_plane, int z_out) {
#if defined(__x86_64__)
    const int outs = ck_winograd_outs(cout);
    const int Hp = H + 2, Wp = W + 2, Dp = D + 2;
    const int blocksH = H / 2, blocksW = W / 2;
    /* 8 floats more per transformed position than the channels need: at a multiple of 512 bytes apart, the 64
       positions of one channel would fall in 8 of the L1 cache's 64 sets and evict each other. */
    const long vStride = (long)cin * 16 + 8, mStride = (long)outs * 16 + 8;
    float *v = aligned_floats(64 * vStride);
    float *m = aligned_floats(64 * mStride);
    /* A row of blocks' outputs (2 planes × 2 rows of every channel), written out row by row once complete: storing
       each 16 outputs where they go touches 4 × cout lines at once, each a miss the CPU must first read in. */
    const long line = W + 16, rowSize = 4 * line; /* room past each line for the last 16 outputs' spill */
    float *outputs = aligned_floats((long)cout * rowSize);
    if (!v || !m || !outputs) { free(v); free(m); free(outputs); return -1; }
    for (int r = row0; r < row1; r++) {
        const int bz = r / blocksH, by = r % blocksH;
        /* 16 blocks (32 outputs) of the row at a time, as two vectors of 8; past the row's end the lanes read the
           next row or the slab's tail and are dropped (no lane mixes with another before the output). */
        for (int bx = 0; bx < blocksW; bx += 16) {
            const int groups = blocksW - bx > 8 ? 2 : 1;
            for (int ci = 0; ci < cin; ci++)
                for (int g = 0; g < groups; g++) {
                    const float *row = xp + (((long)ci * Dp + 2 * bz) * Hp + 2 * by) * Wp + 2 * (bx + 8 * g);
                    input_tile(row, Wp, (long)Hp * Wp, v + ci * 16 + 8 * g, vStride);
                }
            products(u, v, vStride, m, mStride, cin, outs);
            for (int g = 0; g < groups; g++)
                for (int co = 0; co < cout; co++)
                    output_tile(m + co * 16 + 8 * g, mStride, outputs + co * rowSize + 2 * (bx + 8 * g), line, 2 * line);
        }
        for (int co = 0; co < cout; co++)
            for (int l = 0; l < 4; l++)
                memcpy(y + co * out_plane + ((long)(z_out + 2 * bz + l / 2) * H + 2 * by + l % 2) * W, outputs + co * rowSize + l * line,
                       sizeof(float) * W);
    }
    free(v);
    free(m);
    free(outputs);
    return 0;
#else
    (void)xp; (void)u; (void)y; (void)cin; (void)cout; (void)D; (void)H; (void)W; (void)row0; (void)row1;
    (void)out_plane; (void)z_out;
    return -1;
#endif
}
