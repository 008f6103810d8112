// Changing the spatial size: max pooling (the argmax kept for backward), nearest and trilinear up-sampling by an
// integer factor. A 2D tensor (depth 1) keeps its depth.

import Foundation
import Parallelism

extension Tape {
    /// The factor per spatial axis: depth stays 1 for 2D tensors.
    static func factors(_ shape: [Int], _ k: Int) -> (Int, Int, Int) { (shape[2] == 1 ? 1 : k, k, k) }

    /// Max pooling with kernel = stride = `kernel` (sizes not divisible drop the remainder, as PyTorch does).
    public func maxPool(_ x: Variable, kernel: Int = 2) -> Variable {
        let (kd, kh, kw) = Tape.factors(x.shape, kernel)
        let (d, h, w) = (x.shape[2], x.shape[3], x.shape[4])
        let (od, oh, ow) = (d / kd, h / kh, w / kw)
        let rows = x.value.batch * x.value.channels
        let v = x.value.data
        let outCount = rows * od * oh * ow
        var out = [Float](unsafeUninitializedCapacity: outCount) { _, n in n = outCount }
        // Where each maximum came from, for the backward pass only.
        var argmax = [Int32](repeating: 0, count: recording ? outCount : 0)
        let keepArgmax = recording
        v.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { o in
                argmax.withUnsafeMutableBufferPointer { a in
                    let (vp, o, a) = (UncheckedBox(vp.baseAddress!), UncheckedBox(o.baseAddress!), UncheckedBox(a.baseAddress))
                    Parallel.forRanges(rows * od, minimumPerThread: 4) { range in
                        if !keepArgmax {
                            // Inference: the maximum over the window's lines first (a loop that vectorises), then over
                            // each group of kw neighbours; NaN wins, as in PyTorch.
                            let lineMax = UnsafeMutablePointer<Float>.allocate(capacity: ow * kw)
                            defer { lineMax.deallocate() }
                            for item in range {
                                let row = item / od, z = item % od
                                let input = vp.value + row * d * h * w
                                for y in 0..<oh {
                                    lineMax.update(from: input + ((z * kd) * h + y * kh) * w, count: ow * kw)
                                    for dz in 0..<kd { for dy in 0..<kh where dz + dy > 0 {
                                        let line = input + ((z * kd + dz) * h + y * kh + dy) * w
                                        for x in 0..<ow * kw {
                                            let value = line[x], best = lineMax[x]
                                            lineMax[x] = value > best || value.isNaN ? value : best
                                        }
                                    } }
                                    let output = o.value + ((row * od + z) * oh + y) * ow
                                    for xo in 0..<ow {
                                        var best = lineMax[xo * kw]
                                        for dx in 1..<max(kw, 1) {
                                            let value = lineMax[xo * kw + dx]
                                            if value > best || value.isNaN { best = value }
                                        }
                                        output[xo] = best
                                    }
                                }
                            }
                            return
                        }
                        for item in range {
                            let row = item / od, z = item % od
                            let input = vp.value + row * d * h * w
                            for y in 0..<oh {
                                let oi = ((row * od + z) * oh + y) * ow
                                for xo in 0..<ow {
                                    var best = -Float.infinity, where_ = 0
                                    for dz in 0..<kd { for dy in 0..<kh {
                                        let line = ((z * kd + dz) * h + y * kh + dy) * w + xo * kw
                                        for dx in 0..<kw where input[line + dx] > best || input[line + dx].isNaN {
                                            best = input[line + dx]
                                            where_ = line + dx
                                        }
                                    } }
                                    o.value[oi + xo] = best
                                    if keepArgmax { a.value![oi + xo] = Int32(where_) }
                                }
                            }
                        }
                    }
                }
            }
        }
        let plane = od * oh * ow, inPlane = d * h * w
        return result(Tensor(shape: [x.value.batch, x.value.channels, od, oh, ow], data: out), inputs: [x]) { output in
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: v.count)
            for n in 0..<g.count { gx[(n / plane) * inPlane + Int(argmax[n])] += g[n] }
            x.accumulate(gx)
        }
    }

    /// Each voxel repeated `factor` times along each spatial axis.
    public func upsampleNearest(_ x: Variable, factor: Int = 2) -> Variable {
        let (fd, fh, fw) = Tape.factors(x.shape, factor)
        let (d, h, w) = (x.shape[2], x.shape[3], x.shape[4])
        let (od, oh, ow) = (d * fd, h * fh, w * fw)
        let rows = x.value.batch * x.value.channels
        let v = x.value.data
        var source = [Int](repeating: 0, count: od * oh * ow)
        for z in 0..<od { for y in 0..<oh { for xo in 0..<ow { source[(z * oh + y) * ow + xo] = ((z / fd) * h + y / fh) * w + xo / fw } } }
        let plane = od * oh * ow, inPlane = d * h * w
        var out = [Float](repeating: 0, count: rows * plane)
        for r in 0..<rows { for i in 0..<plane { out[r * plane + i] = v[r * inPlane + source[i]] } }
        return result(Tensor(shape: [x.value.batch, x.value.channels, od, oh, ow], data: out), inputs: [x]) { output in
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: v.count)
            for r in 0..<rows { for i in 0..<plane { gx[r * inPlane + source[i]] += g[r * plane + i] } }
            x.accumulate(gx)
        }
    }

    /// Pads the end of each spatial axis up to `size` by repeating its last plane: what MONAI's UpCat does when an
    /// odd size was pooled ("replicate", one voxel at the end of an axis), so that any input size goes through.
    public func padEnd(_ x: Variable, to size: [Int]) -> Variable {
        let inSize = x.value.spatialShape
        if inSize == size { return x }
        precondition(size.count == 3 && zip(inSize, size).allSatisfy { $0 > 0 && $0 <= $1 }, "padEnd from \(inSize) to \(size)")
        let rows = x.value.batch * x.value.channels
        let inPlane = inSize.reduce(1, *), plane = size.reduce(1, *)
        var source = [Int](repeating: 0, count: plane)
        for z in 0..<size[0] { for y in 0..<size[1] { for xo in 0..<size[2] {
            source[(z * size[1] + y) * size[2] + xo] = (min(z, inSize[0] - 1) * inSize[1] + min(y, inSize[1] - 1)) * inSize[2] + min(xo, inSize[2] - 1)
        } } }
        let v = x.value.data
        var out = [Float](repeating: 0, count: rows * plane)
        for r in 0..<rows { for i in 0..<plane { out[r * plane + i] = v[r * inPlane + source[i]] } }
        return result(Tensor(shape: [x.value.batch, x.value.channels] + size, data: out), inputs: [x]) { output in
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: v.count)
            for r in 0..<rows { for i in 0..<plane { gx[r * inPlane + source[i]] += g[r * plane + i] } }
            x.accumulate(gx)
        }
    }

    /// Trilinear (bilinear for 2D) up-sampling by `factor`, as PyTorch's interpolate with the same `alignCorners`.
    public func upsampleTrilinear(_ x: Variable, factor: Int = 2, alignCorners: Bool = false) -> Variable {
        let (fd, fh, fw) = Tape.factors(x.shape, factor)
        let inSize = [x.shape[2], x.shape[3], x.shape[4]]
        let outSize = [inSize[0] * fd, inSize[1] * fh, inSize[2] * fw]
        // Per axis and output position: the two source positions and the weight of the second.
        func taps(_ axis: Int) -> [(Int, Int, Float)] {
            let n = inSize[axis], m = outSize[axis]
            return (0..<m).map { o in
                var p: Double
                if alignCorners { p = m > 1 ? Double(o) * Double(n - 1) / Double(m - 1) : 0 } else {
                    p = max((Double(o) + 0.5) * Double(n) / Double(m) - 0.5, 0)
                }
                let i0 = min(Int(p), n - 1), i1 = min(i0 + 1, n - 1)
                return (i0, i1, Float(p - Double(i0)))
            }
        }
        let tz = taps(0), ty = taps(1), tx = taps(2)
        let rows = x.value.batch * x.value.channels
        let inPlane = inSize.reduce(1, *), plane = outSize.reduce(1, *)
        let v = x.value.data
        var out = [Float](repeating: 0, count: rows * plane)
        out.withUnsafeMutableBufferPointer { o in
            let o = UncheckedBox(o)
            Parallel.forEach(rows) { r in
                let base = r * inPlane
                for z in 0..<outSize[0] { for y in 0..<outSize[1] { for xo in 0..<outSize[2] {
                    let (z0, z1, wz) = tz[z], (y0, y1, wy) = ty[y], (x0, x1, wx) = tx[xo]
                    func at(_ a: Int, _ b: Int, _ c: Int) -> Float { v[base + (a * inSize[1] + b) * inSize[2] + c] }
                    let c00 = at(z0, y0, x0) * (1 - wx) + at(z0, y0, x1) * wx, c01 = at(z0, y1, x0) * (1 - wx) + at(z0, y1, x1) * wx
                    let c10 = at(z1, y0, x0) * (1 - wx) + at(z1, y0, x1) * wx, c11 = at(z1, y1, x0) * (1 - wx) + at(z1, y1, x1) * wx
                    o.value[r * plane + (z * outSize[1] + y) * outSize[2] + xo] =
                        (c00 * (1 - wy) + c01 * wy) * (1 - wz) + (c10 * (1 - wy) + c11 * wy) * wz
                } } }
            }
        }
        return result(Tensor(shape: [x.value.batch, x.value.channels] + outSize, data: out), inputs: [x]) { output in
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: v.count)
            for r in 0..<rows {
                let base = r * inPlane
                for z in 0..<outSize[0] { for y in 0..<outSize[1] { for xo in 0..<outSize[2] {
                    let gv = g[r * plane + (z * outSize[1] + y) * outSize[2] + xo]
                    let (z0, z1, wz) = tz[z], (y0, y1, wy) = ty[y], (x0, x1, wx) = tx[xo]
                    for (a, fa) in [(z0, 1 - wz), (z1, wz)] { for (b, fb) in [(y0, 1 - wy), (y1, wy)] { for (c, fc) in [(x0, 1 - wx), (x1, wx)] {
                        gx[base + (a * inSize[1] + b) * inSize[2] + c] += gv * fa * fb * fc
                    } } }
                } } }
            }
            x.accumulate(gx)
        }
    }
}
