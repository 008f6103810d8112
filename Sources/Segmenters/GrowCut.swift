// GrowCut (Vezhnevets and Konouchine, 2005): seeds are cells of full strength that conquer their neighbours; a
// cell q takes p's class when p's strength, weakened by their intensity difference, beats q's own. It is the
// classical tool 3D Slicer offers ("Grow from seeds"), kept as `--method growcut` to compare with.
// Cells update in place, sweeping forward then backward, which reaches the fixed point in far fewer passes than
// the original synchronous update.

import Volume
import Foundation

enum GrowCut {
    /// The class of every voxel (−1 where no seed reaches). `fixed[v]` is a seed's class, or −1.
    static func run(intensities: [Float], shape: [Int], fixed: [Int8], maximumSweeps: Int = 500,
                    cancellation: Cancellation?) throws -> [Int8] {
        let count = intensities.count
        var label = fixed
        var strength = fixed.map { $0 >= 0 ? Float(1) : 0 }
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        let steps = [1, ni, ni * nj]
        for sweep in 0..<maximumSweeps {
            if sweep % 8 == 0 { try cancellation?.check() }
            var changed = false
            let forward = sweep % 2 == 0
            intensities.withUnsafeBufferPointer { image in
                label.withUnsafeMutableBufferPointer { label in
                    strength.withUnsafeMutableBufferPointer { strength in
                        for n in 0..<count {
                            let v = forward ? n : count - 1 - n
                            let i = v % ni, j = (v / ni) % nj, k = v / (ni * nj)
                            let here = image[v]
                            var best = strength[v], bestLabel = label[v]
                            for axis in 0..<3 {
                                let position = axis == 0 ? i : (axis == 1 ? j : k)
                                let size = axis == 0 ? ni : (axis == 1 ? nj : nk)
                                for side in [-1, 1] where position + side >= 0 && position + side < size {
                                    let q = v + side * steps[axis]
                                    let attack = (1 - min(abs(image[q] - here), 1)) * strength[q]
                                    if attack > best { best = attack; bestLabel = label[q] }
                                }
                            }
                            if best > strength[v] {
                                if bestLabel != label[v] || best > strength[v] + 1e-4 { changed = true }
                                label[v] = bestLabel
                                strength[v] = best
                            }
                        }
                    }
                }
            }
            if !changed && sweep > 0 { break }
        }
        return label
    }
}
