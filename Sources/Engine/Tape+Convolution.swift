// Convolution and transposed convolution as im2col + `cblas_sgemm`, in tiles of whole output rows so that the
// column buffer stays bounded (a 96³ conv with 16 input channels would need 1.5 GB at once). Both ops share one
// geometry: the "image" side is the conv's input (the transposed conv's output), the "grid" side the conv's output
// (the transposed conv's input); forward of one is backward of the other.

import CConvKernels
import COpenBLAS
import Foundation
import Parallelism

/// Kernel, stride, padding and dilation per spatial axis (depth, height, width); depth is 1/1/0/1 for 2D.
public struct ConvOptions: Sendable, Equatable {
    public var stride: Int
    public var padding: Int
    public var dilation: Int
    /// Extra size on the far side of a transposed conv's output.
    public var outputPadding: Int

    public init(stride: Int = 1, padding: Int = 0, dilation: Int = 1, outputPadding: Int = 0) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.outputPadding = outputPadding
    }
}

struct ConvGeometry {
    var image: [Int], grid: [Int], kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]
    var kernelVolume: Int { kernel.reduce(1, *) }
    var imageCount: Int { image.reduce(1, *) }
    var gridCount: Int { grid.reduce(1, *) }
    /// Kernel 1, stride 1, no padding: the columns are the image itself.
    var isPointwise: Bool { kernelVolume == 1 && stride.allSatisfy { $0 == 1 } && padding.allSatisfy { $0 == 0 } && image == grid }

    /// Per axis; an image of depth 1 is 2D, so the depth axis takes no kernel, stride or padding.
    init(image: [Int], kernel: [Int], options: ConvOptions, grid: [Int]? = nil) {
        let flat = image[0] == 1 && kernel[0] == 1
        func axis(_ value: Int, _ flatValue: Int) -> [Int] { [flat ? flatValue : value, value, value] }
        let (stride, padding, dilation) = (axis(options.stride, 1), axis(options.padding, 0), axis(options.dilation, 1))
        self.image = image
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.grid = grid ?? (0..<3).map { a in (image[a] + 2 * padding[a] - dilation[a] * (kernel[a] - 1) - 1) / stride[a] + 1 }
    }

    /// Grid rows (depth × height positions) per tile, so that a column buffer of `rows` × tile stays near 64 MB.
    func rowsPerTile(columnRows: Int) -> Int { max(1, (1 << 18) / max(columnRows * grid[2], 1)) }

    /// The geometry as plain numbers, so the inner loops touch no arrays (no reference counting, no bounds checks).
    struct Scalars {
        let imageD, imageH, imageW, gridH, gridW, kh, kw, kernelVolume, imageCount: Int
        let strideD, strideH, strideW, padD, padH, padW, dilD, dilH, dilW: Int
    }

    var scalars: Scalars {
        Scalars(imageD: image[0], imageH: image[1], imageW: image[2], gridH: grid[1], gridW: grid[2], kh: kernel[1], kw: kernel[2],
                kernelVolume: kernelVolume, imageCount: imageCount, strideD: stride[0], strideH: stride[1], strideW: stride[2],
                padD: padding[0], padH: padding[1], padW: padding[2], dilD: dilation[0], dilH: dilation[1], dilW: dilation[2])
    }

    /// Fills `columns` (channels·kernel rows × tile) from the image, for grid rows first..<last.
    func im2col(_ image: UnsafePointer<Float>, channels: Int, rows: Range<Int>, into columns: UnsafeMutablePointer<Float>,
                concurrent: Bool = true) {
        let g = scalars
        let tile = rows.count * g.gridW
        let (imageBox, columnBox) = (UncheckedBox(image), UncheckedBox(columns))
        Parallel.forRanges(channels * g.kernelVolume, minimumPerThread: concurrent ? 1 : Int.max) { range in
            for kr in range {
                let channel = kr / g.kernelVolume, k = kr % g.kernelVolume
                let (a, b, c) = (k / (g.kh * g.kw), (k / g.kw) % g.kh, k % g.kw)
                let source = imageBox.value + channel * g.imageCount
                var out = columnBox.value + kr * tile
                let offset = c * g.dilW - g.padW
                // The valid span of a row when stride is 1: zeros, a copy, zeros.
                let lo = min(max(-offset, 0), g.gridW), hi = max(min(g.imageW - offset, g.gridW), lo)
                if g.strideW == 1 && g.strideH == 1 && g.gridW == g.imageW && hi > lo {
                    // Consecutive rows of one depth plane are consecutive in the image too: one copy per run of rows,
                    // then the few values past each row's ends are zeroed.
                    var row = rows.lowerBound
                    while row < rows.upperBound {
                        let oz = row / g.gridH
                        let runEnd = min(rows.upperBound, (oz + 1) * g.gridH)
                        let iz = oz * g.strideD - g.padD + a * g.dilD
                        let y0 = row % g.gridH, y1 = y0 + (runEnd - row)
                        let shift = b * g.dilH - g.padH
                        let v0 = min(max(y0, -shift), y1), v1 = max(min(y1, g.imageH - shift), v0)
                        if iz < 0 || iz >= g.imageD || v0 == v1 {
                            out.update(repeating: 0, count: (y1 - y0) * g.gridW)
                        } else {
                            if v0 > y0 { out.update(repeating: 0, count: (v0 - y0) * g.gridW) }
                            let block = out + (v0 - y0) * g.gridW
                            let line = source + (iz * g.imageH + v0 + shift) * g.imageW
                            let count = (v1 - v0 - 1) * g.gridW + hi - lo
                            (block + lo).update(from: line + lo + offset, count: count)
                            if lo > 0 || hi < g.gridW {
                                var edge = block
                                for _ in 0..<(v1 - v0) {
                                    for j in 0..<lo { edge[j] = 0 }
                                    for j in hi..<g.gridW { edge[j] = 0 }
                                    edge += g.gridW
                                }
                            }
                            if v1 < y1 { (out + (v1 - y0) * g.gridW).update(repeating: 0, count: (y1 - v1) * g.gridW) }
                        }
                        out += (y1 - y0) * g.gridW
                        row = runEnd
                    }
                    continue
                }
                for row in rows {
                    let oz = row / g.gridH, oy = row % g.gridH
                    let iz = oz * g.strideD - g.padD + a * g.dilD, iy = oy * g.strideH - g.padH + b * g.dilH
                    if iz < 0 || iz >= g.imageD || iy < 0 || iy >= g.imageH {
                        out.update(repeating: 0, count: g.gridW)
                    } else {
                        let line = source + (iz * g.imageH + iy) * g.imageW
                        if g.strideW == 1 {
                            if lo > 0 { out.update(repeating: 0, count: lo) }
                            if hi > lo { (out + lo).update(from: line + lo + offset, count: hi - lo) }
                            if hi < g.gridW { (out + hi).update(repeating: 0, count: g.gridW - hi) }
                        } else {
                            var ix = offset
                            for ox in 0..<g.gridW {
                                out[ox] = ix >= 0 && ix < g.imageW ? line[ix] : 0
                                ix += g.strideW
                            }
                        }
                    }
                    out += g.gridW
                }
            }
        }
    }

    /// Adds `columns` back onto the image (the adjoint of im2col), for grid rows first..<last.
    func col2im(_ columns: UnsafePointer<Float>, channels: Int, rows: Range<Int>, into image: UnsafeMutablePointer<Float>,
                concurrent: Bool = true) {
        let g = scalars
        let tile = rows.count * g.gridW
        let (imageBox, columnBox) = (UncheckedBox(image), UncheckedBox(columns))
        // One channel per task: no two tasks write the same voxel.
        Parallel.forRanges(channels, minimumPerThread: concurrent ? 1 : Int.max) { range in
            for channel in range {
                let target = imageBox.value + channel * g.imageCount
                for k in 0..<g.kernelVolume {
                    let (a, b, c) = (k / (g.kh * g.kw), (k / g.kw) % g.kh, k % g.kw)
                    var from = columnBox.value + (channel * g.kernelVolume + k) * tile
                    let offset = c * g.dilW - g.padW
                    let lo = min(max(-offset, 0), g.gridW), hi = max(min(g.imageW - offset, g.gridW), lo)
                    for row in rows {
                        let oz = row / g.gridH, oy = row % g.gridH
                        let iz = oz * g.strideD - g.padD + a * g.dilD, iy = oy * g.strideH - g.padH + b * g.dilH
                        if iz >= 0 && iz < g.imageD && iy >= 0 && iy < g.imageH {
                            let line = target + (iz * g.imageH + iy) * g.imageW
                            if g.strideW == 1 {
                                var ox = lo
                                while ox < hi { line[ox + offset] += from[ox]; ox += 1 }
                            } else {
                                var ix = offset
                                for ox in 0..<g.gridW {
                                    if ix >= 0 && ix < g.imageW { line[ix] += from[ox] }
                                    ix += g.strideW
                                }
                            }
                        }
                        from += g.gridW
                    }
                }
            }
        }
    }

    /// Kernel equal to the stride, no padding or dilation, and an image that is exactly the grid times the stride (a
    /// UNet's up-sampling): every image voxel takes exactly one column value.
    var isExactTiling: Bool {
        kernel == stride && padding.allSatisfy { $0 == 0 } && dilation.allSatisfy { $0 == 1 } && image == zip(grid, stride).map { $0 * $1 }
    }

    /// col2im for an exact tiling: each image line is written once, in order, instead of accumulated kernel tap by tap,
    /// so the image needs no zeroing first.
    func scatterExact(_ columns: UnsafePointer<Float>, channels: Int, rows: Range<Int>, into image: UnsafeMutablePointer<Float>) {
        let g = scalars
        let (kd, tile) = (kernel[0], rows.count * g.gridW)
        for channel in 0..<channels {
            let target = image + channel * g.imageCount
            for row in rows {
                let oz = row / g.gridH, oy = row % g.gridH
                for a in 0..<kd { for b in 0..<g.kh {
                    let line = target + ((oz * kd + a) * g.imageH + oy * g.kh + b) * g.imageW
                    let from = columns + (channel * g.kernelVolume + (a * g.kh + b) * g.kw) * tile + (row - rows.lowerBound) * g.gridW
                    for ox in 0..<g.gridW { for c in 0..<g.kw { line[ox * g.kw + c] = from[c * tile + ox] } }
                } }
            }
        }
    }

    /// Runs `body` on tiles of grid rows with a column buffer of `columnRows` rows.
    func tiles(columnRows: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let rows = grid[0] * grid[1]
        let step = rowsPerTile(columnRows: columnRows)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: columnRows * min(step, rows) * grid[2])
        defer { buffer.deallocate() }
        var first = 0
        while first < rows {
            let last = min(first + step, rows)
            body(first..<last, buffer)
            first = last
        }
    }
}

extension ConvGeometry {
    /// Tiles spread over the cores, each core with its own column buffer and a single-threaded sgemm: small tiles stay
    /// in the core's cache and no time goes to handing GEMMs between threads. `body` gets the tile's grid rows, the
    /// thread's buffer and the thread's number; it must only write what no other tile writes (or per-thread storage).
    func parallelTiles(columnRows: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>, Int) -> Void) {
        let rows = grid[0] * grid[1]
        let step = rowsPerTile(columnRows: columnRows)
        let tiles = (rows + step - 1) / step
        let threads = min(Parallel.cores, tiles)
        let capacity = columnRows * min(step, rows) * grid[2]
        BLAS.singleThreaded {
            withoutActuallyEscaping(body) { body in
                let shared = UncheckedBox(body)
                DispatchQueue.concurrentPerform(iterations: threads) { thread in
                    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
                    defer { buffer.deallocate() }
                    var tile = thread
                    while tile < tiles {
                        let first = tile * step
                        shared.value(first..<min(first + step, rows), buffer, thread)
                        tile += threads
                    }
                }
            }
        }
    }
}

/// 3×3(×3) convolutions with stride 1 and padding 1 (every conv of a UNet block) run as a direct, vectorised loop
/// where the CPU allows: for few output channels, building and packing im2col's columns costs more than the
/// arithmetic.
enum DirectConv {
    static let available = ck_direct_available() != 0
    /// Output channels per weight block (8 with AVX-512, else 4).
    static let blockSize = Int(ck_block_size())

    static func applies(_ g: ConvGeometry) -> Bool {
        guard available, g.kernel[1] == 3, g.kernel[2] == 3, g.image == g.grid,
              g.stride.allSatisfy({ $0 == 1 }), g.dilation.allSatisfy({ $0 == 1 }), g.padding[1] == 1, g.padding[2] == 1
        else { return false }
        return (g.kernel[0] == 3 && g.padding[0] == 1) || (g.kernel[0] == 1 && g.padding[0] == 0)
    }

    /// `weights` laid out [cout][cin][kd·3·3]; `flipped` reads them as the transposed conv backward needs:
    /// [cin][cout] with the kernel reversed (so that this computes dX from dY).
    static func repack(_ weights: UnsafePointer<Float>, cout: Int, cin: Int, kernelVolume kv: Int, flipped: Bool,
                       blockSize size: Int = blockSize) -> [Float] {
        // As seen by the kernel: `outs` output channels, `ins` input channels.
        let (outs, ins) = flipped ? (cin, cout) : (cout, cin)
        let blocks = (outs + size - 1) / size
        var packed = [Float](repeating: 0, count: blocks * ins * kv * size)
        for o in 0..<outs {
            for i in 0..<ins {
                for k in 0..<kv {
                    let value = flipped ? weights[(i * cin + o) * kv + (kv - 1 - k)] : weights[(o * cin + i) * kv + k]
                    packed[(((o / size) * ins + i) * kv + k) * size + o % size] = value
                }
            }
        }
        return packed
    }

    /// Planes per slab, so that a slab's padded copy of `channels` channels stays near 64 MB whatever the volume.
    static func slabPlanes(_ shape: [Int], channels: Int, kd: Int, maximum: Int) -> Int {
        let halo = kd == 3 ? 1 : 0
        return max(1, min(shape[0], maximum, (16 << 20) / max(channels * (shape[1] + 2) * (shape[2] + 2), 1) - 2 * halo))
    }

    /// Copies planes z0 − halo ..< z0 + planes + halo of x (ins × D×H×W) into `padded` with a zero border of one
    /// voxel in H and W (and zero planes past the volume's ends); only the border is zeroed, the rest is overwritten.
    static func pad(_ x: UnsafePointer<Float>, ins: Int, shape: [Int], kd: Int, z0: Int, planes: Int, into padded: UnsafeMutablePointer<Float>) {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        let halo = kd == 3 ? 1 : 0
        let planeSize = (h + 2) * (w + 2), paddedPlanes = planes + 2 * halo
        (padded + ins * paddedPlanes * planeSize).initialize(repeating: 0, count: 64)
        let boxes = UncheckedBox((x, padded))
        Parallel.forEach(ins * paddedPlanes) { item in
            let (x, padded) = boxes.value
            let (channel, p) = (item / paddedPlanes, item % paddedPlanes)
            let z = z0 - halo + p
            let plane = padded + (channel * paddedPlanes + p) * planeSize
            guard z >= 0, z < d else {
                plane.initialize(repeating: 0, count: planeSize)
                return
            }
            plane.initialize(repeating: 0, count: w + 2)
            (plane + (h + 1) * (w + 2)).initialize(repeating: 0, count: w + 2)
            for row in 0..<h {
                let line = plane + (row + 1) * (w + 2)
                line[0] = 0
                (line + 1).update(from: x + ((channel * d + z) * h + row) * w, count: w)
                line[w + 1] = 0
            }
        }
    }

    /// y (outs × D×H×W) = the conv of x (ins × D×H×W) with repacked weights, a slab of planes at a time.
    static func run(_ x: UnsafePointer<Float>, ins: Int, outs: Int, shape: [Int], kd: Int, packed: [Float], into y: UnsafeMutablePointer<Float>,
                    blockSize: Int = blockSize, maximumSlab: Int = .max) {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        let halo = kd == 3 ? 1 : 0
        let slab = slabPlanes(shape, channels: ins, kd: kd, maximum: maximumSlab)
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: ins * (slab + 2 * halo) * (h + 2) * (w + 2) + 64)
        defer { padded.deallocate() }
        let blocks = (outs + blockSize - 1) / blockSize
        packed.withUnsafeBufferPointer { wp in
            let boxes = UncheckedBox((padded, y, wp.baseAddress!))
            var z0 = 0
            while z0 < d {
                let planes = min(slab, d - z0)
                pad(x, ins: ins, shape: shape, kd: kd, z0: z0, planes: planes, into: padded)
                // The AVX2 loop computes several blocks of a plane together (it reuses each run of inputs), as many
                // as leaves at least 8 items to share out; the AVX-512 loop takes one block of one plane at a time.
                let groups = blockSize == 8 ? blocks : min(blocks, (8 + planes - 1) / planes)
                let perItem = (blocks + groups - 1) / groups
                Parallel.forEach(groups * planes) { item in
                    let (padded, y, weights) = boxes.value
                    let (block, z) = (item / planes * perItem, item % planes)
                    guard block < blocks else { return }
                    ck_conv3x3(padded, weights, y, Int32(ins), Int32(outs), Int32(planes), Int32(h), Int32(w), Int32(kd),
                               Int32(block), Int32(min(block + perItem, blocks)), Int32(z), Int32(z + 1), Int32(blockSize),
                               d * h * w, Int32(z0))
                }
                z0 += planes
            }
        }
    }

    /// The weight gradient needs the AVX-512 loop (elsewhere it goes through im2col + sgemm).
    static var computesWeightGradient: Bool { available && blockSize == 8 }

    /// dW (outs × ins × kd·9, PyTorch's layout) += the weight gradient of the conv of x (ins × D×H×W) given dY
    /// (outs × D×H×W): no column matrix, no packing, a slab of planes at a time.
    static func addWeightGradient(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, ins: Int, outs: Int, shape: [Int], kd: Int,
                                  into dw: UnsafeMutablePointer<Float>, maximumSlab: Int = .max) {
        precondition(computesWeightGradient, "the direct weight gradient needs AVX-512")
        let (d, h, w) = (shape[0], shape[1], shape[2])
        let halo = kd == 3 ? 1 : 0
        let blocks = (outs + 7) / 8
        let slab = slabPlanes(shape, channels: max(ins, blocks * 8), kd: kd, maximum: maximumSlab)
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: ins * (slab + 2 * halo) * (h + 2) * (w + 2) + 64)
        let capacity = blocks * 8 * ck_weight_grad_stride(Int32(slab), Int32(h), Int32(w))
        let gradients = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: capacity)
        defer { padded.deallocate(); gradients.deallocate() }
        let boxes = UncheckedBox((dy, padded, gradients, dw))
        var z0 = 0
        while z0 < d {
            let planes = min(slab, d - z0)
            pad(x, ins: ins, shape: shape, kd: kd, z0: z0, planes: planes, into: padded)
            // dY in padded planes (zero pad rows and columns add nothing to the sums).
            let stride = ck_weight_grad_stride(Int32(planes), Int32(h), Int32(w))
            Parallel.forEach(blocks * 8) { channel in
                let (dy, _, gradients, _) = boxes.value
                let target = gradients + channel * stride
                target.initialize(repeating: 0, count: stride)
                guard channel < outs else { return }
                for p in 0..<planes { for row in 0..<h {
                    (target + (p * (h + 2) + row) * (w + 2)).update(from: dy + ((channel * d + z0 + p) * h + row) * w, count: w)
                } }
            }
            Parallel.forEach(blocks * ins) { item in
                let (_, padded, gradients, dw) = boxes.value
                ck_conv3x3_weight_grad(padded, gradients, dw, Int32(ins), Int32(outs), Int32(planes), Int32(h), Int32(w), Int32(kd),
                                       Int32(item / ins), Int32(item % ins))
            }
            z0 += planes
        }
    }
}

/// OpenBLAS's own threads, off while the engine runs GEMMs on its threads.
enum BLAS {
    static func singleThreaded<T>(_ body: () -> T) -> T {
        let before = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(before) }
        return body()
    }
}

/// C = op(A)·op(B) + beta·C in row-major order.
@inline(__always)
func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
          b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// A plain matrix product through the same sgemm, for measuring the machine's own speed.
public enum Matrix {
    /// C (m×n) = A (m×k) · B (k×n), row-major.
    public static func product(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        precondition(a.count == m * k && b.count == k * n, "matrix sizes")
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }
}

extension Tape {
    /// Convolution: x N×Cin×D×H×W, weight Cout×Cin×kd×kh×kw (PyTorch's layout), optional bias per output channel.
    public func conv(_ x: Variable, weight: Variable, bias: Variable?, options: ConvOptions = ConvOptions()) -> Variable {
        let (n, cin) = (x.value.batch, x.value.channels)
        let cout = weight.shape[0]
        precondition(weight.shape[1] == cin, "conv weight \(weight.shape) for \(cin) input channels")
        let geometry = ConvGeometry(image: x.value.spatialShape, kernel: Array(weight.shape[2...]), options: options)
        let kdim = cin * geometry.kernelVolume
        let (imageCount, gridCount) = (geometry.imageCount, geometry.gridCount)
        let flops = 2 * Double(n * cout * kdim * gridCount)
        convFLOPs += flops
        let direct = DirectConv.applies(geometry)
        let winograd = WinogradConv.applies(geometry)
        let packed = weight.value.data.withUnsafeBufferPointer { w in
            winograd ? WinogradConv.transform(w.baseAddress!, cout: cout, cin: cin)
                : direct ? DirectConv.repack(w.baseAddress!, cout: cout, cin: cin, kernelVolume: geometry.kernelVolume, flipped: false) : []
        }
        // Every output value is written below (sgemm with beta 0, or the direct loop), so no zeroing first.
        var out = [Float](unsafeUninitializedCapacity: n * cout * gridCount) { _, count in count = n * cout * gridCount }
        x.value.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    for b in 0..<n {
                        let xb = xp.baseAddress! + b * cin * imageCount, yb = op.baseAddress! + b * cout * gridCount
                        if geometry.isPointwise {
                            gemm(m: cout, n: gridCount, k: cin, a: wp.baseAddress!, lda: cin, b: xb, ldb: gridCount, c: yb, ldc: gridCount)
                        } else if winograd {
                            WinogradConv.run(xb, ins: cin, outs: cout, shape: geometry.image, transformed: packed, into: yb)
                        } else if direct {
                            DirectConv.run(xb, ins: cin, outs: cout, shape: geometry.image, kd: geometry.kernel[0], packed: packed, into: yb)
                        } else {
                            let (xBox, yBox, wBox) = (UncheckedBox(xb), UncheckedBox(yb), UncheckedBox(wp.baseAddress!))
                            geometry.parallelTiles(columnRows: kdim) { rows, columns, _ in
                                let start = rows.lowerBound * geometry.grid[2], tile = rows.count * geometry.grid[2]
                                geometry.im2col(xBox.value, channels: cin, rows: rows, into: columns, concurrent: false)
                                gemm(m: cout, n: tile, k: kdim, a: wBox.value, lda: kdim, b: columns, ldb: tile,
                                     c: yBox.value + start, ldc: gridCount)
                            }
                        }
                    }
                    if let bias { Tape.addBias(bias.value.data, to: op, batch: n, channels: cout, spatial: gridCount) }
                }
            }
        }
        return result(Tensor(shape: [n, cout] + geometry.grid, data: out), inputs: [x, weight, bias]) { [unowned self] output in
            self.convFLOPs += flops * (x.requiresGrad ? 2 : 1)
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: x.requiresGrad ? x.value.count : 0)
            var gw = [Float](repeating: 0, count: weight.value.count)
            x.value.data.withUnsafeBufferPointer { xp in
                weight.value.data.withUnsafeBufferPointer { wp in
                    g.withUnsafeBufferPointer { gp in
                        gw.withUnsafeMutableBufferPointer { gwp in
                            gx.withUnsafeMutableBufferPointer { gxp in
                                // dX is the conv of dY with the weights transposed and flipped, the same for every sample.
                                let flipped = !x.requiresGrad || geometry.isPointwise ? []
                                    : winograd ? WinogradConv.transform(flipping: wp.baseAddress!, cout: cout, cin: cin)
                                    : direct ? DirectConv.repack(wp.baseAddress!, cout: cout, cin: cin, kernelVolume: geometry.kernelVolume, flipped: true)
                                    : []
                                for b in 0..<n {
                                    let xb = xp.baseAddress! + b * cin * imageCount, gb = gp.baseAddress! + b * cout * gridCount
                                    if geometry.isPointwise {
                                        gemm(transB: true, m: cout, n: cin, k: gridCount, a: gb, lda: gridCount, b: xb, ldb: gridCount, beta: 1,
                                             c: gwp.baseAddress!, ldc: cin)
                                        if x.requiresGrad {
                                            gemm(transA: true, m: cin, n: gridCount, k: cout, a: wp.baseAddress!, lda: cin, b: gb, ldb: gridCount,
                                                 c: gxp.baseAddress! + b * cin * imageCount, ldc: gridCount)
                                        }
                                        continue
                                    }
                                    if winograd && x.requiresGrad {
                                        WinogradConv.run(gb, ins: cout, outs: cin, shape: geometry.image, transformed: flipped,
                                                         into: gxp.baseAddress! + b * cin * imageCount)
                                    } else if direct && x.requiresGrad {
                                        DirectConv.run(gb, ins: cout, outs: cin, shape: geometry.image, kd: geometry.kernel[0],
                                                       packed: flipped, into: gxp.baseAddress! + b * cin * imageCount)
                                    }
                                    if direct && DirectConv.computesWeightGradient {
                                        DirectConv.addWeightGradient(xb, gb, ins: cin, outs: cout, shape: geometry.image, kd: geometry.kernel[0],
                                                                     into: gwp.baseAddress!)
                                        continue
                                    }
                                    // Per thread: its share of dW, and (but for thread 0) its own dX, since neighbouring tiles
                                    // add into the same input voxels. The column buffer holds x's columns for dW, then dY's
                                    // share of the columns for dX.
                                    let threads = Parallel.cores
                                    let weightShares = UnsafeMutablePointer<Float>.allocate(capacity: threads * cout * kdim)
                                    weightShares.initialize(repeating: 0, count: threads * cout * kdim)
                                    // dX through the tiles only when the direct conv does not compute it.
                                    let tiledInput = x.requiresGrad && !direct
                                    let inputShares = UnsafeMutablePointer<Float>.allocate(capacity: tiledInput ? (threads - 1) * cin * imageCount : 0)
                                    if tiledInput { inputShares.initialize(repeating: 0, count: (threads - 1) * cin * imageCount) }
                                    defer { weightShares.deallocate(); inputShares.deallocate() }
                                    let gxb = tiledInput ? gxp.baseAddress! + b * cin * imageCount : nil
                                    let boxes = UncheckedBox((xb, gb, wp.baseAddress!, weightShares, inputShares, gxb))
                                    geometry.parallelTiles(columnRows: kdim) { rows, columns, thread in
                                        let (xb, gb, w, weightShares, inputShares, gxb) = boxes.value
                                        let start = rows.lowerBound * geometry.grid[2], tile = rows.count * geometry.grid[2]
                                        geometry.im2col(xb, channels: cin, rows: rows, into: columns, concurrent: false)
                                        gemm(transB: true, m: cout, n: kdim, k: tile, a: gb + start, lda: gridCount, b: columns, ldb: tile,
                                             beta: 1, c: weightShares + thread * cout * kdim, ldc: kdim)
                                        if let gxb {
                                            gemm(transA: true, m: kdim, n: tile, k: cout, a: w, lda: kdim, b: gb + start,
                                                 ldb: gridCount, c: columns, ldc: tile)
                                            geometry.col2im(columns, channels: cin, rows: rows,
                                                            into: thread == 0 ? gxb : inputShares + (thread - 1) * cin * imageCount, concurrent: false)
                                        }
                                    }
                                    for t in 0..<threads { for i in 0..<cout * kdim { gwp[i] += weightShares[t * cout * kdim + i] } }
                                    if let gxb {
                                        for t in 1..<max(threads, 1) { for i in 0..<cin * imageCount { gxb[i] += inputShares[(t - 1) * cin * imageCount + i] } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if x.requiresGrad { x.accumulate(gx) }
            if weight.requiresGrad { weight.accumulate(gw) }
            if let bias, bias.requiresGrad { bias.accumulate(Tape.biasGradient(g, batch: n, channels: cout, spatial: gridCount)) }
        }
    }

    /// Transposed convolution: x N×Cin×D×H×W, weight Cin×Cout×kd×kh×kw (PyTorch's layout). Output size per axis:
    /// (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
    public func convTranspose(_ x: Variable, weight: Variable, bias: Variable?, options: ConvOptions = ConvOptions(stride: 2)) -> Variable {
        let (n, cin) = (x.value.batch, x.value.channels)
        let cout = weight.shape[1]
        precondition(weight.shape[0] == cin, "transposed conv weight \(weight.shape) for \(cin) input channels")
        let kernel = Array(weight.shape[2...])
        let input = x.value.spatialShape
        let flat = input[0] == 1 && kernel[0] == 1
        let outSize = (0..<3).map { a -> Int in
            if a == 0 && flat { return 1 }
            return (input[a] - 1) * options.stride - 2 * options.padding + options.dilation * (kernel[a] - 1) + options.outputPadding + 1
        }
        let geometry = ConvGeometry(image: outSize, kernel: kernel, options: options, grid: input)
        let kdim = cout * geometry.kernelVolume
        let (imageCount, gridCount) = (geometry.imageCount, geometry.gridCount)
        // Counted on the input voxels, as is usual for a transposed conv.
        let flops = 2 * Double(n * cin * kdim * gridCount)
        convFLOPs += flops
        let exact = geometry.isExactTiling
        var out = exact
            ? [Float](unsafeUninitializedCapacity: n * cout * imageCount) { _, count in count = n * cout * imageCount }
            : [Float](repeating: 0, count: n * cout * imageCount)
        x.value.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    for b in 0..<n {
                        let xb = xp.baseAddress! + b * cin * gridCount, yb = op.baseAddress! + b * cout * imageCount
                        let boxes = UncheckedBox((xb, yb, wp.baseAddress!))
                        let work: (Range<Int>, UnsafeMutablePointer<Float>, Bool) -> Void = { rows, columns, concurrent in
                            let (xb, yb, w) = boxes.value
                            let start = rows.lowerBound * geometry.grid[2], tile = rows.count * geometry.grid[2]
                            gemm(transA: true, m: kdim, n: tile, k: cin, a: w, lda: kdim, b: xb + start, ldb: gridCount,
                                 c: columns, ldc: tile)
                            if exact {
                                geometry.scatterExact(columns, channels: cout, rows: rows, into: yb)
                            } else {
                                geometry.col2im(columns, channels: cout, rows: rows, into: yb, concurrent: concurrent)
                            }
                        }
                        // Tiles write disjoint output rows when the kernel is no larger than the stride (as in a UNet).
                        if (0..<3).allSatisfy({ geometry.kernel[$0] <= geometry.stride[$0] }) {
                            geometry.parallelTiles(columnRows: kdim) { rows, columns, _ in work(rows, columns, false) }
                        } else {
                            geometry.tiles(columnRows: kdim) { rows, columns in work(rows, columns, true) }
                        }
                    }
                    if let bias { Tape.addBias(bias.value.data, to: op, batch: n, channels: cout, spatial: imageCount) }
                }
            }
        }
        return result(Tensor(shape: [n, cout] + outSize, data: out), inputs: [x, weight, bias]) { [unowned self] output in
            self.convFLOPs += flops * 2
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: x.value.count)
            var gw = [Float](repeating: 0, count: weight.value.count)
            x.value.data.withUnsafeBufferPointer { xp in
                weight.value.data.withUnsafeBufferPointer { wp in
                    g.withUnsafeBufferPointer { gp in
                        gw.withUnsafeMutableBufferPointer { gwp in
                            gx.withUnsafeMutableBufferPointer { gxp in
                                for b in 0..<n {
                                    let xb = xp.baseAddress! + b * cin * gridCount, gb = gp.baseAddress! + b * cout * imageCount
                                    let threads = Parallel.cores
                                    let weightShares = UnsafeMutablePointer<Float>.allocate(capacity: threads * cin * kdim)
                                    weightShares.initialize(repeating: 0, count: threads * cin * kdim)
                                    defer { weightShares.deallocate() }
                                    let boxes = UncheckedBox((xb, gb, wp.baseAddress!, gxp.baseAddress! + b * cin * gridCount, weightShares))
                                    geometry.parallelTiles(columnRows: kdim) { rows, columns, thread in
                                        let (xb, gb, w, gxb, weightShares) = boxes.value
                                        let start = rows.lowerBound * geometry.grid[2], tile = rows.count * geometry.grid[2]
                                        geometry.im2col(gb, channels: cout, rows: rows, into: columns, concurrent: false)
                                        gemm(m: cin, n: tile, k: kdim, a: w, lda: kdim, b: columns, ldb: tile, c: gxb + start, ldc: gridCount)
                                        gemm(transB: true, m: cin, n: kdim, k: tile, a: xb + start, lda: gridCount, b: columns, ldb: tile,
                                             beta: 1, c: weightShares + thread * cin * kdim, ldc: kdim)
                                    }
                                    for t in 0..<threads { for i in 0..<cin * kdim { gwp[i] += weightShares[t * cin * kdim + i] } }
                                }
                            }
                        }
                    }
                }
            }
            if x.requiresGrad { x.accumulate(gx) }
            if weight.requiresGrad { weight.accumulate(gw) }
            if let bias, bias.requiresGrad { bias.accumulate(Tape.biasGradient(g, batch: n, channels: cout, spatial: imageCount)) }
        }
    }

    static func addBias(_ bias: [Float], to out: UnsafeMutableBufferPointer<Float>, batch: Int, channels: Int, spatial: Int) {
        let box = UncheckedBox(out)
        Parallel.forEach(batch * channels) { row in
            let value = bias[row % channels]
            let base = box.value.baseAddress! + row * spatial
            for i in 0..<spatial { base[i] += value }
        }
    }

    static func biasGradient(_ g: [Float], batch: Int, channels: Int, spatial: Int) -> [Float] {
        var out = [Float](repeating: 0, count: channels)
        for row in 0..<batch * channels {
            var total: Float = 0
            for i in 0..<spatial { total += g[row * spatial + i] }
            out[row % channels] += total
        }
        return out
    }
}
