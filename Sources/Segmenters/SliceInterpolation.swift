// Fill between slices: a label drawn on slices a and b (with none drawn between) fills the slices between by
// shape-based interpolation (Raya and Udupa): each drawn slice's signed distance to its outline, in millimetres,
// is blended linearly across the gap, and the label goes where the blend is inside. A shape that shifts, grows or
// shrinks between the two drawn slices does so smoothly.

import Foundation
import Volume

public enum SliceInterpolation {
    /// The voxels (offsets) to set to `label` so that every gap between drawn slices along `axis` is filled; voxels
    /// that hold another label are left alone.
    public static func fill(_ labels: LabelVolume, label: UInt16, axis: Int) -> [Int] {
        let grid = labels.grid
        let (u, w) = axis == 0 ? (1, 2) : (axis == 1 ? (0, 2) : (0, 1))
        let (width, height) = (grid.shape[u], grid.shape[w])
        func offset(_ a: Int, _ b: Int, _ slice: Int) -> Int {
            var v = VoxelIndex(0, 0, 0)
            v[u] = a; v[w] = b; v[axis] = slice
            return grid.offset(v)
        }
        func mask(_ slice: Int) -> [Bool] {
            var out = [Bool](repeating: false, count: width * height)
            for b in 0..<height { for a in 0..<width where labels.voxels[offset(a, b, slice)] == label { out[a + width * b] = true } }
            return out
        }
        let masks = (0..<grid.shape[axis]).map(mask)
        let drawn = masks.indices.filter { masks[$0].contains(true) }
        let spacing = (grid.spacingMM[u], grid.spacingMM[w])
        var out: [Int] = []
        for (lower, upper) in zip(drawn, drawn.dropFirst()) where upper - lower > 1 {
            let from = signedDistance(masks[lower], width: width, height: height, spacing: spacing)
            let to = signedDistance(masks[upper], width: width, height: height, spacing: spacing)
            for slice in lower + 1..<upper {
                let t = Double(slice - lower) / Double(upper - lower)
                for n in 0..<width * height where (1 - t) * from[n] + t * to[n] < 0 {
                    let o = offset(n % width, n / width, slice)
                    if labels.voxels[o] == 0 { out.append(o) }
                }
            }
        }
        return out
    }

    /// Signed distance in millimetres from each pixel's centre to the mask's outline: negative inside, positive
    /// outside (the distance to the nearest pixel of the other kind, less half a pixel).
    static func signedDistance(_ mask: [Bool], width: Int, height: Int, spacing: (Double, Double)) -> [Double] {
        let inside = distance(to: mask, width: width, height: height, spacing: spacing)
        let outside = distance(to: mask.map { !$0 }, width: width, height: height, spacing: spacing)
        // The outline runs half a pixel from the pixels on either side of it.
        let half = 0.5 * min(spacing.0, spacing.1)
        return (0..<mask.count).map { mask[$0] ? half - outside[$0] : inside[$0] - half }
    }

    /// Euclidean distance from every pixel to the nearest set pixel (exact: Felzenszwalb and Huttenlocher's lower
    /// envelope of parabolas, along rows then along columns).
    static func distance(to mask: [Bool], width: Int, height: Int, spacing: (Double, Double)) -> [Double] {
        let far = 1e20
        var squared = mask.map { $0 ? 0.0 : far }
        func transform(_ line: [Double], step: Double) -> [Double] {
            let n = line.count
            var result = [Double](repeating: far, count: n)
            var vertices = [Int](repeating: 0, count: n)
            var bounds = [Double](repeating: 0, count: n + 1)
            var k = 0
            var found = false
            for q in 0..<n where line[q] < far {
                if !found { vertices[0] = q; bounds[0] = -.infinity; bounds[1] = .infinity; found = true; continue }
                while true {
                    let p = vertices[k]
                    let s = ((line[q] + Double(q * q) * step * step) - (line[p] + Double(p * p) * step * step))
                        / (2 * step * step * Double(q - p))
                    if s <= bounds[k] && k > 0 { k -= 1; continue }
                    if s <= bounds[k] { vertices[0] = q; bounds[0] = -.infinity; bounds[1] = .infinity; break }
                    k += 1
                    vertices[k] = q; bounds[k] = s; bounds[k + 1] = .infinity
                    break
                }
            }
            guard found else { return result }
            k = 0
            for q in 0..<n {
                while bounds[k + 1] < Double(q) { k += 1 }
                let p = vertices[k]
                let d = Double(q - p) * step
                result[q] = d * d + line[p]
            }
            return result
        }
        for b in 0..<height {
            let row = transform(Array(squared[b * width..<(b + 1) * width]), step: spacing.0)
            for a in 0..<width { squared[a + width * b] = row[a] }
        }
        for a in 0..<width {
            let column = transform((0..<height).map { squared[a + width * $0] }, step: spacing.1)
            for b in 0..<height { squared[a + width * b] = column[b] }
        }
        return squared.map { $0 >= far / 2 ? far : $0.squareRoot() }
    }
}
