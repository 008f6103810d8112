// Simulated annotators. Training adds clicks where the model is wrong the way MONAI does (a voxel of the error
// drawn with probability ∝ exp(d) − 1, d = distance to the error's border, so clicks fall deep inside errors);
// the evaluation robot clicks the centre of the largest error, as a careful user would.

import Engine
import Foundation
import Randomness
import Segmenters
import Volume

public enum ClickSimulation {
    /// Chamfer distance (1, √2, √3) of every set voxel to the nearest unset one; 0 outside the mask. Voxels beyond
    /// the grid do not count as unset, so a region cut by the grid's edge keeps its depth there.
    public static func distanceInside(_ mask: [Bool], shape: [Int]) -> [Float] {
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        let big = Float(ni + nj + nk)
        var d = mask.map { $0 ? big : 0 }
        var forward: [(Int, Int, Int, Float)] = []
        for dk in -1...0 { for dj in -1...1 { for di in -1...1 {
            if dk == 0 && (dj > 0 || (dj == 0 && di >= 0)) { continue }
            let n = abs(di) + abs(dj) + abs(dk)
            forward.append((di, dj, dk, Float(n == 1 ? 1 : n == 2 ? 2.0.squareRoot() : 3.0.squareRoot())))
        } } }
        func pass(_ steps: [(Int, Int, Int, Float)], reversed: Bool) {
            let ks = reversed ? Array((0..<nk).reversed()) : Array(0..<nk)
            let js = reversed ? Array((0..<nj).reversed()) : Array(0..<nj)
            let iis = reversed ? Array((0..<ni).reversed()) : Array(0..<ni)
            for k in ks { for j in js { for i in iis {
                let p = i + ni * (j + nj * k)
                guard d[p] > 0 else { continue }
                var best = d[p]
                for (di, dj, dk, w) in steps {
                    let a = i + di, b = j + dj, c = k + dk
                    guard a >= 0, b >= 0, c >= 0, a < ni, b < nj, c < nk else { continue }
                    best = min(best, d[a + ni * (b + nj * c)] + w)
                }
                d[p] = best
            } } }
        }
        pass(forward, reversed: false)
        pass(forward.map { (-$0.0, -$0.1, -$0.2, $0.3) }, reversed: true)
        return d
    }

    /// One click where `prediction` and `truth` (label values per voxel) disagree. The robot (generator nil) takes
    /// the deepest voxel of the largest wrong region; training draws a voxel of all errors ∝ exp(d) − 1. The click
    /// is for the label the truth has there (0 = background). `labels` limits which labels count as errors.
    public static func nextClick(prediction: [UInt16], truth: [UInt16], shape: [Int], labels: Set<UInt16>? = nil,
                                 generator: inout SplitMix?) -> (voxel: VoxelIndex, label: UInt16)? {
        func counts(_ v: UInt16) -> Bool { labels == nil || labels!.contains(v) }
        let wrong = (0..<truth.count).map { n in
            prediction[n] != truth[n] && (counts(prediction[n]) || counts(truth[n]))
        }
        guard wrong.contains(true) else { return nil }
        var region = wrong
        if generator == nil {
            // The largest connected region of one kind of error (the same true and predicted label).
            var kinds: Set<UInt32> = []
            for n in wrong.indices where wrong[n] { kinds.insert(UInt32(truth[n]) << 16 | UInt32(prediction[n])) }
            var bestSize = 0
            // In a fixed order: of two as large, the same one every run (a set's order changes between processes).
            for kind in kinds.sorted() {
                let mask = wrong.indices.map { wrong[$0] && (UInt32(truth[$0]) << 16 | UInt32(prediction[$0])) == kind }
                let (components, sizes) = Components.label(mask, shape: shape)
                guard let largest = sizes.indices.dropFirst().max(by: { sizes[$0] < sizes[$1] }), sizes[largest] > bestSize else { continue }
                bestSize = sizes[largest]
                region = components.map { $0 == Int32(largest) }
            }
        }
        let depth = distanceInside(region, shape: shape)
        var chosen = 0
        if var random = generator {
            let top = Double(depth.max() ?? 0)
            var weights = depth.map { $0 > 0 ? exp(Double($0) - top) - exp(-top) : 0 }
            if weights.reduce(0, +) <= 0 { weights = depth.map { $0 > 0 ? 1 : 0 } }
            let total = weights.reduce(0, +)
            var u = random.nextUnit() * total
            chosen = weights.firstIndex { u -= $0; return u <= 0 } ?? (weights.lastIndex { $0 > 0 } ?? 0)
            generator = random
        } else {
            chosen = depth.indices.max { depth[$0] < depth[$1] }!
        }
        return (VoxelIndex(offset: chosen, shape: shape), truth[chosen])
    }
}
