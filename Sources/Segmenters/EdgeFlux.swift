// A cut pays for its boundary's area, and across a thin structure's partial-volume rim the shortest boundary lies
// inside the rim: a blurred ventricle comes back as its dark core (on the 1 mm T1, half of it; the rim's voxels are
// near even in the data term and the blur leaves no edge to follow). The flux of the image's gradient out through
// the answer's boundary, a data term for graph cuts (Kolmogorov and Boykov, after Vasilevskiy and Siddiqi's flux
// flows), is the Laplacian summed inside the answer: in a dark structure it is positive up to its edges' inflection
// and negative beyond, so it pulls the boundary out to where the intensity changes fastest, halfway between the
// structure and what lies beside it.
// - Only for a label whose seeds lie in a valley (a ridge for a bright one) clearly deeper than the curvature around
//   them, and whose surroundings are mostly brighter (darker): a thin structure, where the cut's shrinking shows.
// - On the image with the brighter tissue clipped at its typical value: bone beside brain adds no more than brain.
// - Only on the side of the label's value towards that tissue: beyond it lies the structure's own core.
// - Only within a band around what a first cut without it found (the part joined to the seeds): the flux corrects
//   edges, it does not open narrow passages of the label's tissue (the third ventricle, towards the cisterns).

import Foundation
import Volume

enum EdgeFlux {
    /// The Gaussian scale of the Laplacian (mm): the partial-volume rim of a 1 mm image.
    static let scaleMM = 1.0
    /// The surroundings that say whether a label is darker or brighter than what lies around it.
    static let surroundingsMM = 10.0
    /// The share of the surroundings on one side of the label's value that makes it darker (brighter) than them.
    static let oneSidedShare: Float = 2.0 / 3
    /// How much deeper than the median curvature around them the seeds' valley must be.
    static let depthOverCurvature: Float = 2

    /// Per class index (1… for the labels), the flux term to add to that class's costs, for the thin labels only.
    /// `seeds[c - 1]`: label c's seeds. `likeness`: the intensity difference (window) that counts as another tissue.
    static func terms(intensities: [Float], shape: [Int], spacing: [Double], seeds: [[Int]], weight: Float,
                      likeness: Float) -> [Int: [Float]] {
        guard weight > 0, seeds.contains(where: { !$0.isEmpty }) else { return [:] }
        let sigma = (0..<3).map { shape[$0] > 1 ? scaleMM / spacing[$0] : 0 }
        var smoothed: [Float] = []
        var out: [Int: [Float]] = [:]
        for (n, marks) in seeds.enumerated() where !marks.isEmpty {
            // Whether the label is thin is read in its surroundings alone (the seeds' box grown by
            // `surroundingsMM`): most labels are not, and the whole region's filters would cost every click.
            let (low, high) = SeedLikelihood.box(of: marks, shape: shape)
            let from = (0..<3).map { max(low[$0] - Int((surroundingsMM / spacing[$0]).rounded(.up)), 0) }
            let to = (0..<3).map { min(high[$0] + Int((surroundingsMM / spacing[$0]).rounded(.up)), shape[$0] - 1) }
            let size = (0..<3).map { to[$0] - from[$0] + 1 }
            func inBox(_ v: Int) -> Int {
                let (i, j, k) = (v % shape[0], (v / shape[0]) % shape[1], v / (shape[0] * shape[1]))
                return (i - from[0]) + size[0] * ((j - from[1]) + size[1] * (k - from[2]))
            }
            let box = VoxelBox(lower: VoxelIndex(from[0], from[1], from[2]), upper: VoxelIndex(to[0] + 1, to[1] + 1, to[2] + 1))
            let crop = Grid(shape: shape, affine: .identity).crop(intensities, to: box)
            let near = GaussianSmoothing.apply(crop, shape: size, sigma: sigma)
            let curvature = laplacian(near, shape: size, spacing: spacing)
            let value = median(marks.map { near[inBox($0)] })
            let seedCurvature = median(marks.map { curvature[inBox($0)] })
            var brighter: [Float] = [], darker: [Float] = []
            for x in near {
                if x > value + likeness { brighter.append(x) } else if x < value - likeness { darker.append(x) }
            }
            let share = Float(brighter.count) / Float(max(brighter.count + darker.count, 1))
            let sign: Float
            if share >= oneSidedShare { sign = 1 } else if share <= 1 - oneSidedShare { sign = -1 } else { continue }
            guard sign * seedCurvature > depthOverCurvature * median(curvature.map(abs)) else { continue }
            let neighbour = median(sign > 0 ? brighter : darker)
            if smoothed.isEmpty { smoothed = GaussianSmoothing.apply(intensities, shape: shape, sigma: sigma) }
            let clipped = intensities.map { sign > 0 ? min($0, neighbour) : max($0, neighbour) }
            let flux = laplacian(GaussianSmoothing.apply(clipped, shape: shape, sigma: sigma), shape: shape, spacing: spacing)
            out[n + 1] = (0..<intensities.count).map { v in
                sign * (smoothed[v] - value) < 0 ? 0 : -weight * sign * flux[v]
            }
        }
        return out
    }

    /// The voxels where the flux may move the answer: the first cut's part joined to the class's seeds, grown by
    /// `bandMM` (a box), less the layers next to `freeFaces` (faces the region may still grow past: the flux must
    /// not make it grow).
    static func band(of first: [UInt8], class c: Int, seeds: [Int], shape: [Int], spacing: [Double], bandMM: Double,
                     freeFaces: [Int]) -> (band: [Bool], joined: [Bool]) {
        let joined = Components.keepSeeded(first.map { Int($0) == c }, shape: shape, seeds: seeds)
        var band = grown(joined, byMM: bandMM, shape: shape, spacing: spacing)
        var faces = [Bool](repeating: false, count: first.count)
        for v in freeFaces { faces[v] = true }
        let nearFaces = grown(faces, byMM: bandMM + 2 * spacing.min()!, shape: shape, spacing: spacing)
        for v in band.indices where nearFaces[v] { band[v] = false }
        return (band, joined)
    }

    /// `mask` grown by a box of ± `mm` (at least a voxel along every axis longer than one voxel).
    static func grown(_ mask: [Bool], byMM mm: Double, shape: [Int], spacing: [Double]) -> [Bool] {
        var mask = mask
        for axis in 0..<3 where shape[axis] > 1 {
            let steps = max(1, Int((mm / spacing[axis]).rounded()))
            let stride = axis == 0 ? 1 : axis == 1 ? shape[0] : shape[0] * shape[1]
            var out = mask
            for v in mask.indices where mask[v] {
                let position = (v / stride) % shape[axis]
                for step in 1...steps {
                    if position - step >= 0 { out[v - step * stride] = true }
                    if position + step < shape[axis] { out[v + step * stride] = true }
                }
            }
            mask = out
        }
        return mask
    }

    /// The Laplacian (per mm²), the filter bank's.
    static func laplacian(_ f: [Float], shape: [Int], spacing: [Double]) -> [Float] {
        FilterBank.derivatives(f, shape: shape, spacing: spacing)[1]
    }

    static func median(_ values: [Float]) -> Float { values.isEmpty ? 0 : values.sorted()[values.count / 2] }
}
