// A cut's smoothing shaves a structure's parts a voxel or two wide even where their values are clearly the
// structure's: white matter's gyri on 2 mm voxels, whose faces cost more than their few voxels gain. Where strokes
// give the structure's values, what the smoothing took next to the answer is given back: the voxels within a few
// voxels of it whose own data term (values, bounds and seed competition together) prefers the structure, reached
// from the answer through such voxels. Not where the seed competition weighs in (a background stroke crosses the
// structure's tissue, or it lies far from every mark): there the smoothing helps it decide, and undoing it took a
// kidney's neighbouring liver at its pole, and tissue across a bridge to a like body.

enum ShavedParts {
    static let none = UInt8.max

    /// Per voxel, the class of the lowest cost (`none` where two tie).
    static func preferredClasses(_ costs: [[Float]]) -> [UInt8] {
        guard let count = costs.first?.count else { return [] }
        var preferred = [UInt8](repeating: none, count: count)
        for v in 0..<count {
            var best = none, lowest = Float.infinity, tie = false
            for c in costs.indices {
                let x = costs[c][v]
                if x < lowest { lowest = x; best = UInt8(c); tie = false } else if x == lowest { tie = true }
            }
            preferred[v] = tie ? none : best
        }
        return preferred
    }

    /// Gives class `c` the background voxels within `band` 6-connected steps of its voxels that prefer it, reached
    /// through such voxels; never a voxel the user marked (`fixed` ≥ 0) nor a `contested` one.
    static func restore(_ assignment: inout [UInt8], class c: UInt8, preferred: [UInt8], fixed: [Int8], contested: [Bool], shape: [Int], band: Int) {
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        var frontier = assignment.indices.filter { assignment[$0] == c }
        for _ in 0..<band where !frontier.isEmpty {
            var next: [Int] = []
            for v in frontier {
                let i = v % ni, j = (v / ni) % nj, k = v / (ni * nj)
                for (inside, w) in [(i > 0, v - 1), (i < ni - 1, v + 1), (j > 0, v - ni), (j < nj - 1, v + ni),
                                    (k > 0, v - ni * nj), (k < nk - 1, v + ni * nj)] where inside {
                    if assignment[w] == 0 && preferred[w] == c && fixed[w] < 0 && !contested[w] {
                        assignment[w] = c
                        next.append(w)
                    }
                }
            }
            frontier = next
        }
    }
}
