// Sums over long rows (a channel of a 128³ volume has two million values) for the norms: sixteen Float lanes over
// blocks of 1024 values, each block's total carried on in Double. A plain Double loop is one dependent add per
// value, which made the norms a tenth of a 3D forward pass; Float alone would lose digits over millions of values.

enum Reduction {
    static let block = 1024

    /// Σ f(i) for i in 0..<count, where `lanes(i)` gives f at i..<i+16 and `single(i)` f at i.
    @inline(__always)
    private static func blocked(_ count: Int, lanes: (Int) -> SIMD16<Float>, single: (Int) -> Float) -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            let end = min(start + block, count)
            var acc = SIMD16<Float>()
            var i = start
            while i + 16 <= end {
                acc += lanes(i)
                i += 16
            }
            var rest: Float = 0
            while i < end {
                rest += single(i)
                i += 1
            }
            total += Double(acc.sum() + rest)
            start = end
        }
        return total
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Σ x.
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Double {
        blocked(count, lanes: { load(x, $0) }, single: { x[$0] })
    }

    /// Σ (x − mean)².
    static func squaredDeviations(_ x: UnsafePointer<Float>, count: Int, from mean: Float) -> Double {
        let m = SIMD16<Float>(repeating: mean)
        return blocked(count, lanes: { let d = load(x, $0) - m; return d * d }, single: { let d = x[$0] - mean; return d * d })
    }

    /// Σ dy·(x − mean)·scale: with the scale of a norm, the gradient's sum against the normalised values.
    static func dot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float, scale: Float) -> Double {
        let m = SIMD16<Float>(repeating: mean), s = SIMD16<Float>(repeating: scale)
        return blocked(count, lanes: { load(dy, $0) * ((load(x, $0) - m) * s) }, single: { dy[$0] * ((x[$0] - mean) * scale) })
    }
}
