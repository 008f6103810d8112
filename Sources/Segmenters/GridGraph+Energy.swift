// Filling a GridGraph with a segmentation energy: t-links from a foreground probability (with hard
// constraints at seeds) and contrast-sensitive n-links λ·exp(−ΔI²/2σ²)/distance.

import Dispatch
import Foundation
import Parallelism

extension GridGraph {
    /// t-links of a two-class cut (source side = class 1): `costs[c][voxel]` is paid if the voxel ends in class c;
    /// `fixed[voxel]` is the class a seed forces, or −1.
    public mutating func setDataTerms(costs: [[Float]], fixed: [Int8]) {
        var index = 0
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let node = node(i, j, k)
            switch fixed[index] {
            case 1: setTerminals(node, source: .infinity, sink: 0)
            case 0: setTerminals(node, source: 0, sink: .infinity)
            default: setTerminals(node, source: costs[0][index], sink: costs[1][index])
            }
            index += 1
        } } }
    }

    /// n-links between neighbours, from intensities in [0, 1]; `spacing` scales the distance of each direction.
    public mutating func setSmoothness(intensities: [Float], lambda: Float, sigma: Float, spacing: [Double]) {
        let forward = forwardDirections
        let shape = self.shape, dirs = directions, offsets = self.offsets, opposite = self.opposite, steps = self.steps
        let weights = PairWeights.base(of: self, spacing: spacing, lambda: lambda)
        let scale = -1 / (2 * sigma * sigma)
        let padded0 = padded[0], padded1 = padded[1]
        arcs.withUnsafeMutableBufferPointer { arcs in
            let arcs = UncheckedBox(arcs.baseAddress!)
            intensities.withUnsafeBufferPointer { values in
                let values = UncheckedBox(UnsafeMutablePointer(mutating: values.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: shape[2]) { k in
                    for j in 0..<shape[1] {
                        for i in 0..<shape[0] {
                            let here = i + shape[0] * (j + shape[1] * k)
                            let node = (i + 1) + padded0 * ((j + 1) + padded1 * (k + 1))
                            for (n, d) in forward.enumerated() {
                                let (di, dj, dk) = steps[d]
                                let a = i + di, b = j + dj, c = k + dk
                                guard a >= 0, b >= 0, c >= 0, a < shape[0], b < shape[1], c < shape[2] else { continue }
                                let diff = values.value[here] - values.value[a + shape[0] * (b + shape[1] * c)]
                                let w = weights[n] * exp(diff * diff * scale)
                                // Each undirected edge is written once, by the node it starts from; its reverse
                                // arc belongs to the neighbour, which no other thread writes for this direction.
                                arcs.value[node * dirs + d] = w
                                arcs.value[(node + offsets[d]) * dirs + opposite[d]] = w
                            }
                        }
                    }
                }
            }
        }
    }
}

