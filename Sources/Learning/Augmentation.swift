// Random changes to a training crop that keep its meaning: intensity shift and scale for every model; flips and
// in-plane quarter turns only for DeepGrow, which segments whatever is clicked. A multi-label model told "left
// kidney" must not see mirrored bodies, where the left kidney lies on the right.

import Engine
import Randomness

struct Augmentation {
    var flips: [Bool] = [false, false, false]
    var quarterTurns = 0
    var scale: Float = 1
    var shift: Float = 0

    static func random(geometric: Bool, planar: Bool, square: Bool, generator: inout SplitMix) -> Augmentation {
        var a = Augmentation()
        if geometric {
            a.flips = (0..<3).map { axis in axis == 2 && planar ? false : generator.nextUnit() < 0.5 }
            a.quarterTurns = square ? Int(generator.next() % 4) : 0
        }
        a.scale = Float(0.9 + 0.2 * generator.nextUnit())
        a.shift = Float(-0.1 + 0.2 * generator.nextUnit())
        return a
    }

    /// Applies the geometric part to values on a grid of `shape` (i fastest).
    func apply<T>(_ values: [T], shape: [Int]) -> [T] {
        guard flips.contains(true) || quarterTurns != 0 else { return values }
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        var out = values
        for k in 0..<nk { for j in 0..<nj { for i in 0..<ni {
            var (a, b, c) = (i, j, k)
            if flips[0] { a = ni - 1 - a }
            if flips[1] { b = nj - 1 - b }
            if flips[2] { c = nk - 1 - c }
            // Quarter turns in the i–j plane (a square crop).
            for _ in 0..<quarterTurns { (a, b) = (nj - 1 - b, a) }
            out[a + ni * (b + nj * c)] = values[i + ni * (j + nj * k)]
        } } }
        return out
    }

    func intensity(_ values: [Float]) -> [Float] { values.map { $0 * scale + shift } }
}
