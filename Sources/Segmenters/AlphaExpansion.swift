// Several labels at once by α-expansion (Boykov, Veksler & Zabih 2001): starting from the most probable class
// of each voxel, every class α in turn may take over any voxels in one binary cut; cycles repeat until nothing
// changes. The smoothness is a Potts term with the same contrast-sensitive weights as the binary cut, and each
// move is built as Kolmogorov & Zabih show for submodular pairwise terms.

import Volume
import Foundation

enum AlphaExpansion {
    /// `costs[c][v]`: cost of class c at voxel v; `fixed[v]`: the class a seed forces, or −1.
    /// Returns the class of every voxel.
    static func run(costs: [[Float]], fixed: [Int8], intensities: [Float], shape: [Int], spacing: [Double],
                    lambda: Float, sigma: Float, connectivity: GridGraph.Connectivity, cycles: Int = 3,
                    cancellation: Cancellation? = nil) throws -> [UInt8] {
        let count = intensities.count
        var current = [UInt8](repeating: 0, count: count)
        for v in 0..<count {
            if fixed[v] >= 0 { current[v] = UInt8(fixed[v]); continue }
            var best = 0
            for c in 1..<costs.count where costs[c][v] < costs[best][v] { best = c }
            current[v] = UInt8(best)
        }
        let template = GridGraph(shape: shape, connectivity: connectivity)
        let weights = PairWeights(template: template, intensities: intensities, spacing: spacing, lambda: lambda, sigma: sigma)
        for _ in 0..<cycles {
            var changed = false
            for alpha in 0..<costs.count {
                var graph = template
                var keep = [Float](repeating: 0, count: count)     // paid if the voxel keeps its class
                var take = [Float](repeating: 0, count: count)     // paid if it switches to α
                for v in 0..<count {
                    keep[v] = costs[Int(current[v])][v]
                    take[v] = costs[alpha][v]
                    if fixed[v] >= 0 {
                        if Int(fixed[v]) == alpha { keep[v] = .infinity } else { take[v] = .infinity }
                    } else if Int(current[v]) == alpha {
                        keep[v] = .infinity   // already α: stays α
                    }
                }
                var index = 0
                for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
                    let node = graph.node(i, j, k)
                    for (n, d) in weights.forward.enumerated() {
                        guard let (q, w) = weights.neighbour(index, i, j, k, n) else { continue }
                        let cp = current[index], cq = current[q]
                        let a: Float = cp != cq ? w : 0           // both keep
                        let b: Float = Int(cp) != alpha ? w : 0   // p keeps, q takes α
                        let c: Float = Int(cq) != alpha ? w : 0   // p takes α, q keeps
                        // E = A + (C − A)·x_p − C·x_q + (B + C − A)·(1 − x_p)·x_q, with x = 1 for "takes α".
                        if c - a > 0 { take[index] += c - a } else { keep[index] += a - c }
                        keep[q] += c
                        graph.setArc(node, direction: d, forward: 0, backward: max(0, b + c - a))
                    }
                    index += 1
                } } }
                for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
                    let v = i + shape[0] * (j + shape[1] * k)
                    graph.setTerminals(graph.node(i, j, k), source: keep[v], sink: take[v])
                } } }
                let cut = try graph.minimumCut(cancellation: cancellation).sourceSide
                for v in 0..<count where cut[v] && Int(current[v]) != alpha {
                    current[v] = UInt8(alpha)
                    changed = true
                }
            }
            if !changed { break }
        }
        return current
    }
}

/// Contrast-sensitive neighbour weights λ·exp(−ΔI²/2σ²)/distance, computed on demand.
struct PairWeights {
    let forward: [Int]
    let steps: [(Int, Int, Int)]
    let base: [Float]
    let shape: [Int]
    let intensities: [Float]
    let scale: Float

    init(template: GridGraph, intensities: [Float], spacing: [Double], lambda: Float, sigma: Float) {
        forward = template.forwardDirections
        steps = forward.map { template.steps[$0] }
        base = PairWeights.base(of: template, spacing: spacing, lambda: lambda)
        shape = template.shape
        self.intensities = intensities
        scale = -1 / (2 * sigma * sigma)
    }

    /// λ over the distance of each forward direction (in units of the finest spacing), scaled for the neighbourhood.
    static func base(of graph: GridGraph, spacing: [Double], lambda: Float) -> [Float] {
        let minimum = spacing.min() ?? 1
        return graph.forwardDirections.map { d in
            let s = graph.steps[d]
            let mm = (pow(Double(s.0) * spacing[0], 2) + pow(Double(s.1) * spacing[1], 2) + pow(Double(s.2) * spacing[2], 2)).squareRoot()
            return lambda * graph.neighbourhoodScale / Float(mm / minimum)
        }
    }

    /// The neighbour of voxel v = (i, j, k) along forward direction n, and the weight between them.
    @inline(__always)
    func neighbour(_ v: Int, _ i: Int, _ j: Int, _ k: Int, _ n: Int) -> (Int, Float)? {
        let (di, dj, dk) = steps[n]
        let a = i + di, b = j + dj, c = k + dk
        guard a >= 0, b >= 0, c >= 0, a < shape[0], b < shape[1], c < shape[2] else { return nil }
        let q = a + shape[0] * (b + shape[1] * c)
        let diff = intensities[v] - intensities[q]
        return (q, base[n] * exp(diff * diff * scale))
    }
}
