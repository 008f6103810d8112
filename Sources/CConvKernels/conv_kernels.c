/* The direct convolution: a block of output channels × a run of positions is kept in vector registers while the
   inputs stream by; each input vector meets one broadcast weight per output channel. AVX2 + FMA (4 channels × 24
   positions of one plane) and AVX-512 (8 channels × 48 positions of one plane) are compiled by function attribute and
   used only when the CPU reports them, so the binary still runs everywhere. */

#include "CConvKernels.h"
#include <immintrin.h>
#include <string.h>

int ck_block_size(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 8 : 4;
#else
    return 4;
#endif
}

int ck_direct_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

#if defined(__x86_64__)
/* Writes a run of `count` positions along the padded plane, from q0, of `outs` output channels (from `channel`) held
   in tmp (`stride` floats per channel) to y, skipping the pad columns. */
static void copy_out(const float *tmp, int stride, float *y, int channel, int outs, int q0, int count, int span, int H, int W,
                     long outPlane, int zPlane) {
    const int Wp = W + 2;
    const int qEnd = q0 + count < span ? q0 + count : span;
    int q = q0;
    while (q < qEnd) {
        const int row = q / Wp, x = q % Wp;
        if (x >= W) { q += Wp - x; continue; }
        const int run = W - x < qEnd - q ? W - x : qEnd - q;
        for (int o = 0; o < outs; o++)
            memcpy(y + (channel + o) * outPlane + ((long)zPlane * H + row) * W + x, tmp + o * stride + (q - q0), sizeof(float) * run);
        q += run;
    }
}

/* One kernel column in AVX2 assembly (byte offsets as strings): the 24 inputs it meets, at `i0`, `i1`, `i2` from
   %[in], times each output channel's weight at `wN` from %[w], into that channel's three accumulators. */
#define ACCUMULATE(w, a0, a1, a2)                                                                                     \
    "vbroadcastss " w "(%[w]), %%ymm15\n\t"                                                                          \
    "vfmadd231ps %%ymm12, %%ymm15, %[" a0 "]\n\t"                                                                    \
    "vfmadd231ps %%ymm13, %%ymm15, %[" a1 "]\n\t"                                                                    \
    "vfmadd231ps %%ymm14, %%ymm15, %[" a2 "]\n\t"
#define KERNEL_COLUMN(i0, i1, i2, w0, w1, w2, w3)                                                                     \
    "vmovups " i0 "(%[in]), %%ymm12\n\t"                                                                             \
    "vmovups " i1 "(%[in]), %%ymm13\n\t"                                                                             \
    "vmovups " i2 "(%[in]), %%ymm14\n\t"                                                                             \
    ACCUMULATE(w0, "a00", "a01", "a02") ACCUMULATE(w1, "a10", "a11", "a12")                                           \
    ACCUMULATE(w2, "a20", "a21", "a22") ACCUMULATE(w3, "a30", "a31", "a32")

/* AVX2: 4 output channels × 24 positions in 12 registers. As in the AVX-512 loop below, the positions run along the
   padded plane, so a narrow volume still fills every vector. For each run of positions every block of output
   channels is computed in turn while that run's input rows are still in the L1 cache: going block by block over the
   whole plane instead reads the plane's inputs from the L3 cache once per block, and the loop waits on memory. */
__attribute__((target("avx2,fma")))
static void blocks_plane24(const float *xp, const float *wt, float *y, int cin, int cout, int D, int H, int W, int kd,
                           int block0, int block1, int z, long outPlane, int zOut) {
    const int Hp = H + 2, Wp = W + 2, Dp = kd == 3 ? D + 2 : D;
    const long plane = (long)Dp * Hp * Wp;
    const int span = (H - 1) * Wp + W;
    const int taps = kd * 3;
    for (int q0 = 0; q0 < span; q0 += 24) {
        for (int block = block0; block < block1; block++) {
            __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a02 = _mm256_setzero_ps();
            __m256 a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(), a12 = _mm256_setzero_ps();
            __m256 a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps(), a22 = _mm256_setzero_ps();
            __m256 a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps(), a32 = _mm256_setzero_ps();
            const float *w = wt + (long)block * cin * kd * 9 * 4;
            for (int ci = 0; ci < cin; ci++) {
                const float *channel = xp + ci * plane + (long)z * Hp * Wp + q0;
                for (int t = 0; t < taps; t++) {
                    /* Kernel rows in order: depth a = t / 3, height b = t % 3. */
                    const float *in = channel + ((long)(t / 3) * Hp + t % 3) * Wp;
                    /* The 3 kernel columns in assembly: written in C, clang keeps only 10 of the 12 accumulators in
                       registers and moves the rest through the stack on every step, at a third of the speed. */
                    __asm__(KERNEL_COLUMN("0", "32", "64", "0", "4", "8", "12")
                            KERNEL_COLUMN("4", "36", "68", "16", "20", "24", "28")
                            KERNEL_COLUMN("8", "40", "72", "32", "36", "40", "44")
                        : [a00] "+x"(a00), [a01] "+x"(a01), [a02] "+x"(a02), [a10] "+x"(a10), [a11] "+x"(a11),
                          [a12] "+x"(a12), [a20] "+x"(a20), [a21] "+x"(a21), [a22] "+x"(a22), [a30] "+x"(a30),
                          [a31] "+x"(a31), [a32] "+x"(a32)
                        : [in] "r"(in), [w] "r"(w)
                        : "xmm12", "xmm13", "xmm14", "xmm15", "memory");
                    w += 12;
                }
            }
            float tmp[4][24];
            _mm256_storeu_ps(tmp[0], a00); _mm256_storeu_ps(tmp[0] + 8, a01); _mm256_storeu_ps(tmp[0] + 16, a02);
            _mm256_storeu_ps(tmp[1], a10); _mm256_storeu_ps(tmp[1] + 8, a11); _mm256_storeu_ps(tmp[1] + 16, a12);
            _mm256_storeu_ps(tmp[2], a20); _mm256_storeu_ps(tmp[2] + 8, a21); _mm256_storeu_ps(tmp[2] + 16, a22);
            _mm256_storeu_ps(tmp[3], a30); _mm256_storeu_ps(tmp[3] + 8, a31); _mm256_storeu_ps(tmp[3] + 16, a32);
            const int outs = cout - block * 4 < 4 ? cout - block * 4 : 4;
            copy_out(tmp[0], 24, y, block * 4, outs, q0, 24, span, H, W, outPlane, zOut + z);
        }
    }
}

/* AVX-512: 8 output channels × 48 positions in 24 registers, for one output plane. The positions run along the
   padded plane (row · (W+2) + x) rather than along one row, so that a narrow volume (the deep levels of a UNet are
   6–24 voxels wide) still fills every vector; the two pad columns of each row are computed and dropped. Each input
   row stream is prefetched two blocks ahead: without it the loop waits on memory and runs at a third of its speed. */
__attribute__((target("avx512f")))
static void block_plane48(const float *xp, const float *wt, float *y, int cin, int cout, int D, int H, int W, int kd,
                          int block, int z, long outPlane, int zOut) {
    const int Hp = H + 2, Wp = W + 2, Dp = kd == 3 ? D + 2 : D;
    const long plane = (long)Dp * Hp * Wp;
    const int span = (H - 1) * Wp + W; /* from the first output position to past the last, in padded coordinates */
    const int outs = cout - block * 8 < 8 ? cout - block * 8 : 8;
    for (int q0 = 0; q0 < span; q0 += 48) {
        __m512 acc[8][3];
        for (int o = 0; o < 8; o++) for (int v = 0; v < 3; v++) acc[o][v] = _mm512_setzero_ps();
        for (int ci = 0; ci < cin; ci++) {
            const float *wci = wt + ((long)block * cin + ci) * kd * 9 * 8;
            for (int a = 0; a < kd; a++) {
                for (int b = 0; b < 3; b++) {
                    const float *in = xp + ci * plane + ((long)(z + a) * Hp + b) * Wp + q0;
                    const float *w = wci + (a * 3 + b) * 3 * 8;
                    for (int v = 0; v < 3; v++) _mm_prefetch((const char *)(in + 96 + 16 * v), _MM_HINT_T0);
                    for (int c = 0; c < 3; c++) {
                        const __m512 i0 = _mm512_loadu_ps(in + c), i1 = _mm512_loadu_ps(in + c + 16),
                                     i2 = _mm512_loadu_ps(in + c + 32);
#pragma clang loop unroll(full)
                        for (int o = 0; o < 8; o++) {
                            const __m512 wv = _mm512_set1_ps(w[c * 8 + o]);
                            acc[o][0] = _mm512_fmadd_ps(wv, i0, acc[o][0]);
                            acc[o][1] = _mm512_fmadd_ps(wv, i1, acc[o][1]);
                            acc[o][2] = _mm512_fmadd_ps(wv, i2, acc[o][2]);
                        }
                    }
                }
            }
        }
        float tmp[8][48];
        for (int o = 0; o < 8; o++) for (int v = 0; v < 3; v++) _mm512_storeu_ps(tmp[o] + 16 * v, acc[o][v]);
        copy_out(tmp[0], 48, y, block * 8, outs, q0, 48, span, H, W, outPlane, zOut + z);
    }
}
#endif

void ck_conv3x3(const float *xp, const float *wt, float *y, int cin, int cout, int D, int H, int W, int kd,
                int block0, int block1, int z0, int z1, int block_size, long out_plane, int z_out) {
#if defined(__x86_64__)
    if (block_size == 8) {
        for (int block = block0; block < block1; block++)
            for (int z = z0; z < z1; z++) block_plane48(xp, wt, y, cin, cout, D, H, W, kd, block, z, out_plane, z_out);
    } else {
        for (int z = z0; z < z1; z++) blocks_plane24(xp, wt, y, cin, cout, D, H, W, kd, block0, block1, z, out_plane, z_out);
    }
#else
    (void)xp; (void)wt; (void)y; (void)cin; (void)cout; (void)D; (void)H; (void)W; (void)kd;
    (void)block0; (void)block1; (void)z0; (void)z1; (void)block_size; (void)out_plane; (void)z_out;
#endif
}

#if defined(__x86_64__)
/* Σ over positions of 16 lanes, for the weight gradient's final sums. */
__attribute__((target("avx512f")))
static float lane_sum(const float *v) { return _mm512_reduce_add_ps(_mm512_loadu_ps(v)); }

/* The weight gradient of the direct convolution for 8 output channels × one input channel, all taps: each tap's sum
   over positions is kept as 16 lanes while the positions stream by (8 channels × the 3 taps of one kernel row in 24
   registers), in chunks short enough that the chunk's dY and input rows stay in the L1 cache across the 9 rows. */
__attribute__((target("avx512f")))
static void weight_grad_block(const float *xp, const float *gp, float *dw, int cin, int cout, int D, int H, int W,
                              int kd, int block, int ci) {
    const int Hp = H + 2, Wp = W + 2, Dp = kd == 3 ? D + 2 : D;
    const long plane = (long)Dp * Hp * Wp, gPlanes = (long)D * Hp * Wp;
    const long span = ((long)(D - 1) * Hp + H - 1) * Wp + W, rounded = (span + 15) / 16 * 16;
    const long gStride = (gPlanes + 16 + 15) / 16 * 16;
    const int taps = kd * 9;
    float sums[27][8][16];
    memset(sums, 0, sizeof(float) * taps * 8 * 16);
    const float *g = gp + (long)block * 8 * gStride;
    for (long q0 = 0; q0 < rounded; q0 += 512) {
        const long q1 = q0 + 512 < rounded ? q0 + 512 : rounded;
        for (int ab = 0; ab < kd * 3; ab++) {
            const float *x = xp + ci * plane + (long)(ab / 3) * Hp * Wp + (ab % 3) * Wp;
            __m512 acc[8][3];
            for (int o = 0; o < 8; o++) for (int c = 0; c < 3; c++) acc[o][c] = _mm512_loadu_ps(sums[ab * 3 + c][o]);
            for (long q = q0; q < q1; q += 16) {
                const __m512 x0 = _mm512_loadu_ps(x + q), x1 = _mm512_loadu_ps(x + q + 1), x2 = _mm512_loadu_ps(x + q + 2);
#pragma clang loop unroll(full)
                for (int o = 0; o < 8; o++) {
                    const __m512 gv = _mm512_load_ps(g + o * gStride + q);
                    acc[o][0] = _mm512_fmadd_ps(gv, x0, acc[o][0]);
                    acc[o][1] = _mm512_fmadd_ps(gv, x1, acc[o][1]);
                    acc[o][2] = _mm512_fmadd_ps(gv, x2, acc[o][2]);
                }
            }
            for (int o = 0; o < 8; o++) for (int c = 0; c < 3; c++) _mm512_storeu_ps(sums[ab * 3 + c][o], acc[o][c]);
        }
    }
    const int outs = cout - block * 8 < 8 ? cout - block * 8 : 8;
    for (int o = 0; o < outs; o++)
        for (int t = 0; t < taps; t++) dw[((long)(block * 8 + o) * cin + ci) * taps + t] += lane_sum(sums[t][o]);
}
#endif

long ck_weight_grad_stride(int D, int H, int W) {
    const long gPlanes = (long)D * (H + 2) * (W + 2);
    return (gPlanes + 16 + 15) / 16 * 16;
}

void ck_conv3x3_weight_grad(const float *xp, const float *gp, float *dw, int cin, int cout, int D, int H, int W, int kd,
                            int block, int ci) {
#if defined(__x86_64__)
    weight_grad_block(xp, gp, dw, cin, cout, D, H, W, kd, block, ci);
#else
    (void)xp; (void)gp; (void)dw; (void)cin; (void)cout; (void)D; (void)H; (void)W; (void)kd; (void)block; (void)ci;
#endif
}
