/* Direct 3×3(×3) convolution, stride 1, padding 1, vectorised with AVX2 + FMA or AVX-512 where the CPU has them,
   and its weight gradient with AVX-512: no column matrix is built and nothing is packed, which is what costs the
   most in im2col + sgemm when a layer has few output channels. See conv_kernels.c. The 3×3×3 conv also by
   Winograd's F(2×2×2, 3×3×3) with AVX2 + FMA, for even sizes: see winograd.c. */
#ifndef C_CONV_KERNELS_H
#define C_CONV_KERNELS_H

/* 1 when this CPU runs the AVX2 + FMA kernel. */
int ck_direct_available(void);

/* Output channels per weight block: 8 where AVX-512 runs, else 4. */
int ck_block_size(void);

/* y[co][z_out + z][y][x] = Σ w·x over a 3×3×3 (kd = 3) or 1×3×3 (kd = 1) neighbourhood, for output channel blocks
   [block0, block1) of `block_size` channels (8: the AVX-512 loop, only where ck_block_size() says 8; 4: AVX2) and
   output depths [z0, z1).
   xp: a slab of D planes of the input, padded by one voxel on each side of H and W (and of D when kd = 3):
       cin × Dp × (H+2) × (W+2), with at least 64 readable floats after its end; Dp = D + 2 when kd = 3, else D.
   wt: the weights repacked as [cout/B blocks][cin][kd][3][3][B], B = block_size (zeros past cout).
   y: the whole output, cout channels `out_plane` floats apart; the slab's planes go to z_out…, written (not
   accumulated). */
void ck_conv3x3(const float *xp, const float *wt, float *y, int cin, int cout, int D, int H, int W, int kd,
                int block0, int block1, int z0, int z1, int block_size, long out_plane, int z_out);

/* Floats between output channels in the weight gradient's dY layout for a slab of D planes: each channel holds the
   slab's planes padded to (H+2) × (W+2) with zeros in the pad rows and columns, then zeros to this stride (a
   multiple of 16, 64-byte aligned when the buffer is). */
long ck_weight_grad_stride(int D, int H, int W);

/* AVX-512 only (ck_block_size() == 8): dw[o][ci][t] += Σ over the slab of dY[o] · x[ci] shifted by tap t, for output
   channels block·8…block·8+7 (< cout) and one input channel. xp as for ck_conv3x3; gp: dY in the layout above,
   ceil(cout / 8)·8 channels (zeros past cout), 64-byte aligned; dw: cout × cin × kd·9. */
void ck_conv3x3_weight_grad(const float *xp, const float *gp, float *dw, int cin, int cout, int D, int H, int W, int kd,
                            int block, int ci);

/* Winograd F(2×2×2, 3×3×3) for a 3×3×3 conv with stride 1 and padding 1 (winograd.c). Output channels are padded to
   a multiple of 8 in the transformed weights. */
int ck_winograd_outs(int cout);

/* u (64 × cin × ck_winograd_outs(cout) floats): the weights w (cout × cin × 27, PyTorch's layout) transformed. */
void ck_winograd_weights(const float *w, float *u, int cin, int cout);

/* AVX2 + FMA (where ck_direct_available() says so): y = the conv of a slab, for the slab's rows of 2×2 output blocks
   [row0, row1) (row = block plane · H/2 + block row). D (the slab's planes), H and W must be even. xp: the slab padded
   as for ck_conv3x3 with kd = 3 (cin × (D+2) × (H+2) × (W+2), 64 readable floats after its end); y as there.
   Returns 0, or -1 when out of memory. */
int ck_winograd_conv3x3(const float *xp, const float *u, float *y, int cin, int cout, int D, int H, int W, int row0, int row1,
                        long out_plane, int z_out);

#endif
