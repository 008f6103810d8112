// Ops across channels and reductions: concat and split on channels, softmax and log-softmax over channels,
// sums and means.

import Foundation
import Parallelism

extension Tape {
    /// Joins tensors along channels (same batch and spatial shape).
    public func concat(_ parts: [Variable]) -> Variable {
        let first = parts[0].value
        precondition(parts.allSatisfy { $0.value.batch == first.batch && $0.value.spatialShape == first.spatialShape },
                     "concat needs the same batch and spatial shape: \(parts.map(\.shape))")
        let s = first.spatialCount, n = first.batch
        let channels = parts.map { $0.value.channels }
        let total = channels.reduce(0, +)
        // Every value is copied in, channel by channel across the cores (a UNet's full-resolution concat is hundreds
        // of megabytes), so nothing is zeroed first.
        let sources = UncheckedBox(parts.map(\.value.data))
        let out = [Float](unsafeUninitializedCapacity: n * total * s) { buffer, initialized in
            let target = UncheckedBox(buffer.baseAddress!)
            Parallel.forEach(n * total) { row in
                let (b, channel) = (row / total, row % total)
                var part = 0, first = 0
                while channel >= first + channels[part] { first += channels[part]; part += 1 }
                sources.value[part].withUnsafeBufferPointer { source in
                    (target.value + row * s).initialize(from: source.baseAddress! + (b * channels[part] + channel - first) * s, count: s)
                }
            }
            initialized = n * total * s
        }
        return result(Tensor(shape: [n, total] + first.spatialShape, data: out), inputs: parts) { output in
            let g = output.grad!.data
            var channelStart = 0
            for (part, c) in zip(parts, channels) {
                if part.requiresGrad {
                    var gp = [Float](repeating: 0, count: n * c * s)
                    for b in 0..<n {
                        let from = (b * total + channelStart) * s
                        for i in 0..<c * s { gp[b * c * s + i] = g[from + i] }
                    }
                    part.accumulate(gp)
                }
                channelStart += c
            }
        }
    }

    /// Splits along channels into parts of the given channel counts.
    public func split(_ x: Variable, channels sizes: [Int]) -> [Variable] {
        precondition(sizes.reduce(0, +) == x.value.channels, "split \(sizes) of \(x.value.channels) channels")
        let s = x.value.spatialCount, n = x.value.batch, total = x.value.channels
        var start = 0
        return sizes.map { c in
            let first = start
            start += c
            var data = [Float](repeating: 0, count: n * c * s)
            for b in 0..<n { for i in 0..<c * s { data[b * c * s + i] = x.value.data[(b * total + first) * s + i] } }
            return result(Tensor(shape: [n, c] + x.value.spatialShape, data: data), inputs: [x]) { output in
                let g = output.grad!.data
                var gx = [Float](repeating: 0, count: x.value.count)
                for b in 0..<n { for i in 0..<c * s { gx[(b * total + first) * s + i] = g[b * c * s + i] } }
                x.accumulate(gx)
            }
        }
    }

    /// Softmax over channels at every voxel.
    public func softmax(_ x: Variable) -> Variable { channelSoftmax(x, log: false) }

    /// log(softmax) over channels, computed stably.
    public func logSoftmax(_ x: Variable) -> Variable { channelSoftmax(x, log: true) }

    private func channelSoftmax(_ x: Variable, log: Bool) -> Variable {
        let v = x.value.data, c = x.value.channels, s = x.value.spatialCount, n = x.value.batch
        let out = [Float](unsafeUninitializedCapacity: v.count) { buffer, initialized in
            let o = UncheckedBox(buffer.baseAddress!)
            v.withUnsafeBufferPointer { input in
                let input = UncheckedBox(input.baseAddress!)
                Parallel.forRanges(n * s, minimumPerThread: 2048) { range in
                    var item = range.lowerBound
                    while item < range.upperBound {
                        // A run of voxels of one sample.
                        let b = item / s, end = min(range.upperBound, (b + 1) * s)
                        Tape.softmax(input.value + b * c * s, into: o.value + b * c * s, channels: c, stride: s,
                                     voxels: (item - b * s)..<(end - b * s), log: log)
                        item = end
                    }
                }
            }
            initialized = v.count
        }
        return result(Tensor(shape: x.shape, data: out), inputs: [x]) { output in
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: g.count)
            for b in 0..<n {
                for voxel in 0..<s {
                    let base = b * c * s + voxel
                    if log {
                        // d/dx_k = g_k − softmax_k · Σ g
                        var total: Float = 0
                        for k in 0..<c { total += g[base + k * s] }
                        for k in 0..<c { gx[base + k * s] = g[base + k * s] - Foundation.exp(out[base + k * s]) * total }
                    } else {
                        // d/dx_k = y_k (g_k − Σ g_j y_j)
                        var dot: Float = 0
                        for k in 0..<c { dot += g[base + k * s] * out[base + k * s] }
                        for k in 0..<c { gx[base + k * s] = out[base + k * s] * (g[base + k * s] - dot) }
                    }
                }
            }
            x.accumulate(gx)
        }
    }

    /// The sum of all values, as a tensor of one value (accumulated in Double).
    public func sum(_ x: Variable) -> Variable {
        let total = x.value.data.reduce(0.0) { $0 + Double($1) }
        return result(Tensor(shape: [1], data: [Float(total)]), inputs: [x]) { output in
            x.accumulate(Tensor(shape: x.shape, repeating: output.grad!.data[0]))
        }
    }

    /// The mean of all values.
    public func mean(_ x: Variable) -> Variable {
        let count = Float(x.value.count)
        let total = x.value.data.reduce(0.0) { $0 + Double($1) }
        return result(Tensor(shape: [1], data: [Float(total / Double(count))]), inputs: [x]) { output in
            x.accumulate(Tensor(shape: x.shape, repeating: output.grad!.data[0] / count))
        }
    }

    /// Sums over depth, height and width: N×C×1×1×1.
    public func sumSpatial(_ x: Variable) -> Variable {
        let s = x.value.spatialCount, rows = x.value.batch * x.value.channels
        let v = x.value.data
        let out = (0..<rows).map { r in Float((0..<s).reduce(0.0) { $0 + Double(v[r * s + $1]) }) }
        return result(Tensor(shape: [x.value.batch, x.value.channels, 1, 1, 1], data: out), inputs: [x]) { output in
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: v.count)
            for r in 0..<rows { for i in 0..<s { gx[r * s + i] = g[r] } }
            x.accumulate(gx)
        }
    }
}

extension Tape {
    /// (Log-)softmax over `channels` values `stride` apart, for the voxels in `voxels`: eight at a time (each
    /// channel's values are contiguous), then one at a time.
    static func softmax(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, channels c: Int, stride s: Int, voxels: Range<Int>,
                        log: Bool) {
        var i = voxels.lowerBound
        while i + 8 <= voxels.upperBound {
            var top = SIMD8<Float>(repeating: -.infinity)
            for k in 0..<c { top = pointwiseMax(top, VectorExp.load(x + k * s + i)) }
            var total = SIMD8<Float>()
            for k in 0..<c {
                let e = VectorExp.exp(VectorExp.load(x + k * s + i) - top)
                VectorExp.store(e, y + k * s + i)
                total += e
            }
            if log {
                var logTotal = SIMD8<Float>()
                for lane in 0..<8 { logTotal[lane] = Foundation.log(total[lane]) }
                for k in 0..<c { VectorExp.store(VectorExp.load(x + k * s + i) - top - logTotal, y + k * s + i) }
            } else {
                for k in 0..<c { VectorExp.store(VectorExp.load(y + k * s + i) / total, y + k * s + i) }
            }
            i += 8
        }
        while i < voxels.upperBound {
            var top = -Float.infinity
            for k in 0..<c { top = max(top, x[k * s + i]) }
            var total: Float = 0
            for k in 0..<c {
                let e = Foundation.exp(x[k * s + i] - top)
                y[k * s + i] = e
                total += e
            }
            if log {
                let logTotal = Foundation.log(total)
                for k in 0..<c { y[k * s + i] = x[k * s + i] - top - logTotal }
            } else {
                for k in 0..<c { y[k * s + i] /= total }
            }
            i += 1
        }
    }
}
