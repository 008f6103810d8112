// Elementwise ops. Binary ops broadcast the second operand over any axis where its size is 1 (a per-channel
// bias or scale, a per-sample weight).

import Foundation
import Randomness

extension Tape {
    /// For each element of a tensor of shape `a`, the index of the element of `b` it meets under broadcasting.
    static func broadcastIndices(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b { return nil }
        precondition((0..<5).allSatisfy { b[$0] == a[$0] || b[$0] == 1 }, "cannot broadcast \(b) over \(a)")
        var strides = [Int](repeating: 0, count: 5)
        var s = 1
        for axis in (0..<5).reversed() {
            strides[axis] = b[axis] == 1 ? 0 : s
            s *= b[axis]
        }
        var out = [Int](repeating: 0, count: a.reduce(1, *))
        var n = 0
        for i0 in 0..<a[0] { for i1 in 0..<a[1] { for i2 in 0..<a[2] { for i3 in 0..<a[3] {
            let base = i0 * strides[0] + i1 * strides[1] + i2 * strides[2] + i3 * strides[3]
            for i4 in 0..<a[4] { out[n] = base + i4 * strides[4]; n += 1 }
        } } } }
        return out
    }

    /// Sums a gradient of shape `a` down to shape `b` along the broadcast axes.
    static func reduce(_ g: [Float], to count: Int, indices: [Int]?) -> [Float] {
        guard let indices else { return g }
        var out = [Float](repeating: 0, count: count)
        for n in 0..<g.count { out[indices[n]] += g[n] }
        return out
    }

    func binary(_ op: Op, _ a: Variable, _ b: Variable) -> Variable {
        let indices = Tape.broadcastIndices(a.shape, b.shape)
        let x = a.value.data, y = b.value.data
        var out = [Float](repeating: 0, count: x.count)
        func at(_ n: Int) -> Float { y[indices?[n] ?? n] }
        switch op {
        case .add: for n in 0..<x.count { out[n] = x[n] + at(n) }
        case .sub: for n in 0..<x.count { out[n] = x[n] - at(n) }
        case .mul: for n in 0..<x.count { out[n] = x[n] * at(n) }
        default: for n in 0..<x.count { out[n] = x[n] / at(n) }
        }
        return result(Tensor(shape: a.shape, data: out), inputs: [a, b]) { output in
            let g = output.grad!.data
            var ga = [Float](repeating: 0, count: g.count), gb = [Float](repeating: 0, count: g.count)
            switch op {
            case .add: ga = g; gb = g
            case .sub: ga = g; for n in 0..<g.count { gb[n] = -g[n] }
            case .mul: for n in 0..<g.count { ga[n] = g[n] * at(n); gb[n] = g[n] * x[n] }
            default:
                for n in 0..<g.count {
                    let d = at(n)
                    ga[n] = g[n] / d
                    gb[n] = -g[n] * x[n] / (d * d)
                }
            }
            if a.requiresGrad { a.accumulate(ga) }
            if b.requiresGrad { b.accumulate(Tape.reduce(gb, to: y.count, indices: indices)) }
        }
    }

    public func add(_ a: Variable, _ b: Variable) -> Variable { binary(.add, a, b) }
    public func sub(_ a: Variable, _ b: Variable) -> Variable { binary(.sub, a, b) }
    public func mul(_ a: Variable, _ b: Variable) -> Variable { binary(.mul, a, b) }
    public func div(_ a: Variable, _ b: Variable) -> Variable { binary(.div, a, b) }

    /// scale·x + shift, with constants.
    public func affine(_ x: Variable, scale: Float, shift: Float = 0) -> Variable {
        let v = x.value.data
        let out = Parallel.fill(v.count) { range, out in v.withUnsafeBufferPointer { v in for n in range { out[n] = scale * v[n] + shift } } }
        return result(Tensor(shape: x.shape, data: out), inputs: [x]) { output in
            let g = output.grad!.data
            x.accumulate(Parallel.fill(g.count) { range, out in g.withUnsafeBufferPointer { g in for n in range { out[n] = g[n] * scale } } })
        }
    }

    /// max(x, 0)
    public func relu(_ x: Variable) -> Variable { leakyRelu(x, slope: 0, op: .relu) }

    /// x for x > 0, slope·x otherwise (MONAI's default activation has slope 0.1).
    public func leakyRelu(_ x: Variable, slope: Float) -> Variable { leakyRelu(x, slope: slope, op: .leakyRelu) }

    private func leakyRelu(_ x: Variable, slope: Float, op: Op) -> Variable {
        let v = x.value.data
        let out = Parallel.fill(v.count) { range, out in
            v.withUnsafeBufferPointer { v in for n in range { out[n] = v[n] > 0 ? v[n] : slope * v[n] } }
        }
        return result(Tensor(shape: x.shape, data: out), inputs: [x]) { output in
            let g = output.grad!.data
            x.accumulate(Parallel.fill(g.count) { range, out in
                v.withUnsafeBufferPointer { v in g.withUnsafeBufferPointer { g in for n in range { out[n] = v[n] > 0 ? g[n] : slope * g[n] } } }
            })
        }
    }

    /// Leaky ReLU whose slope is learnt: one weight, or one per channel.
    public func prelu(_ x: Variable, weight: Variable) -> Variable {
        let v = x.value.data, w = weight.value.data
        let c = x.value.channels, s = x.value.spatialCount
        precondition(w.count == 1 || w.count == c, "PReLU has \(w.count) weights for \(c) channels")
        func slope(_ n: Int) -> Float { w.count == 1 ? w[0] : w[(n / s) % c] }
        let out = (0..<v.count).map { v[$0] > 0 ? v[$0] : slope($0) * v[$0] }
        return result(Tensor(shape: x.shape, data: out), inputs: [x, weight]) { output in
            let g = output.grad!.data
            if x.requiresGrad { x.accumulate((0..<g.count).map { v[$0] > 0 ? g[$0] : slope($0) * g[$0] }) }
            if weight.requiresGrad {
                var gw = [Float](repeating: 0, count: w.count)
                for n in 0..<g.count where v[n] <= 0 { gw[w.count == 1 ? 0 : (n / s) % c] += g[n] * v[n] }
                weight.accumulate(gw)
            }
        }
    }

    public func sigmoid(_ x: Variable) -> Variable {
        let out = x.value.data.map { 1 / (1 + Foundation.exp(-$0)) }
        return result(Tensor(shape: x.shape, data: out), inputs: [x]) { output in
            let g = output.grad!.data
            x.accumulate((0..<g.count).map { g[$0] * out[$0] * (1 - out[$0]) })
        }
    }

    /// Zeroes each value with probability p and scales the rest by 1/(1−p), when dropout is active (training, or
    /// MC dropout); otherwise passes x through. The mask is kept for backward.
    public func dropout(_ x: Variable, p: Float) -> Variable {
        guard dropoutActive, p > 0 else { return x }
        dropoutSeed &+= 0x9E37_79B9
        var generator = SplitMix(seed: dropoutSeed)
        let keep = 1 / (1 - p)
        let mask = (0..<x.value.count).map { _ in generator.nextUnit() >= Double(p) ? keep : Float(0) }
        let v = x.value.data
        let out = (0..<v.count).map { v[$0] * mask[$0] }
        return result(Tensor(shape: x.shape, data: out), inputs: [x]) { output in
            let g = output.grad!.data
            x.accumulate((0..<g.count).map { g[$0] * mask[$0] })
        }
    }
}
