// 3×3×3 convolutions by Winograd's F(2×2×2, 3×3×3) (winograd.c): 64 multiplications per channel pair for 8 outputs
// instead of 216, so a UNet's full-resolution layers, which hold most of a 3D click's arithmetic, take about half the
// direct loop's time. The forward pass and dX (the conv of dY with the weights transposed and flipped) run this way.

import CConvKernels
import Parallelism

enum WinogradConv {
    /// A 3×3×3 conv with stride 1 and padding 1 on even sizes (every level of a UNet whose sizes divide by 16), with
    /// rows wide enough for the 16 blocks of 2 outputs that one pass computes (narrower levels cost little anyway).
    static func applies(_ g: ConvGeometry) -> Bool {
        DirectConv.applies(g) && g.kernel[0] == 3 && g.image.allSatisfy { $0 % 2 == 0 } && g.image[2] >= 32
    }

    /// The weights (cout × cin × 27) carried into the transform domain, once per call.
    static func transform(_ weights: UnsafePointer<Float>, cout: Int, cin: Int) -> [Float] {
        let count = 64 * cin * Int(ck_winograd_outs(Int32(cout)))
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            ck_winograd_weights(weights, buffer.baseAddress!, Int32(cin), Int32(cout))
            initialized = count
        }
    }

    /// The transform of the weights that compute dX from dY: input and output channels swapped, the kernel reversed.
    static func transform(flipping weights: UnsafePointer<Float>, cout: Int, cin: Int) -> [Float] {
        var flipped = [Float](repeating: 0, count: cout * cin * 27)
        for o in 0..<cout { for i in 0..<cin { for k in 0..<27 { flipped[(i * cout + o) * 27 + 26 - k] = weights[(o * cin + i) * 27 + k] } } }
        return flipped.withUnsafeBufferPointer { transform($0.baseAddress!, cout: cin, cin: cout) }
    }

    /// y (outs × D×H×W) = the conv of x (ins × D×H×W), a slab of an even number of planes at a time.
    static func run(_ x: UnsafePointer<Float>, ins: Int, outs: Int, shape: [Int], transformed: [Float], into y: UnsafeMutablePointer<Float>,
                    maximumSlab: Int = .max) {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        let slab = max(2, DirectConv.slabPlanes(shape, channels: ins, kd: 3, maximum: maximumSlab) / 2 * 2)
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: ins * (slab + 2) * (h + 2) * (w + 2) + 64)
        defer { padded.deallocate() }
        transformed.withUnsafeBufferPointer { u in
            let boxes = UncheckedBox((padded, y, u.baseAddress!))
            var z0 = 0
            while z0 < d {
                let planes = min(slab, d - z0)
                DirectConv.pad(x, ins: ins, shape: shape, kd: 3, z0: z0, planes: planes, into: padded)
                // The slab's rows of 2×2 blocks in one run per core (each run allocates its scratch once).
                Parallel.forRanges(planes / 2 * (h / 2), minimumPerThread: 1) { rows in
                    let (padded, y, u) = boxes.value
                    let status = ck_winograd_conv3x3(padded, u, y, Int32(ins), Int32(outs), Int32(planes), Int32(h), Int32(w),
                                                     Int32(rows.lowerBound), Int32(rows.upperBound), d * h * w, Int32(z0))
                    precondition(status == 0, "out of memory in the Winograd convolution")
                }
                z0 += planes
            }
        }
    }
}
