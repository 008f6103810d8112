// Geodesic distance from seed voxels through an image: a path's length counts millimetres and the intensity
// changes it crosses, so a voxel is near a seed when it is joined to it through similar tissue. Computed by
// raster scans over the 26-neighbourhood, forward then backward, as in GeoS, in linear time (a second round only
// helps paths that wind back on themselves). It is a chamfer metric: exact along the axes and the neighbourhood's
// diagonals, longer in between (by up to a quarter on anisotropic grids), which a prior for seed competition can
// afford.

import CGeodesicKernels
import Foundation

public enum GeodesicDistance {
    /// Distance in millimetres-equivalent from the nearest seed to every voxel (`.infinity` where no seed).
    /// `contrast` is how many millimetres a change of the whole [0, 1] intensity range is worth: a step of
    /// length ℓ mm across an intensity change Δ costs √(ℓ² + (contrast·Δ)²).
    /// `farther`: seeds that start `start` away (less surely marked than `seeds`).
    public static func from(_ seeds: [Int], farther: [Int] = [], start: Float = 0, intensities: [Float], shape: [Int],
                            spacing: [Double], contrast: Float, iterations: Int = 1) -> [Float] {
        let count = shape[0] * shape[1] * shape[2]
        var distance = [Float](repeating: .infinity, count: count)
        guard !seeds.isEmpty || !farther.isEmpty else { return distance }
        for s in farther { distance[s] = start }
        for s in seeds { distance[s] = 0 }
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        // The 12 neighbours in earlier rows (before a voxel in memory order; the backward scan mirrors them) are final
        // for a whole row at once, which the C kernels take several voxels at a time; the neighbour before a voxel in
        // its own row follows in a second pass.
        var earlierRows: [(di: Int, dj: Int, dk: Int, square: Float)] = []
        for dk in -1...0 { for dj in -1...1 { for di in -1...1 where dk < 0 || dj < 0 {
            let x = Double(di) * spacing[0], y = Double(dj) * spacing[1], z = Double(dk) * spacing[2]
            earlierRows.append((di, dj, dk, Float(x * x + y * y + z * z)))
        } } }
        let alongRow = Float(spacing[0] * spacing[0])
        let c2 = contrast * contrast
        var steps = [Float](repeating: 0, count: ni)
        intensities.withUnsafeBufferPointer { image in
            distance.withUnsafeMutableBufferPointer { d in
                steps.withUnsafeMutableBufferPointer { steps in
                    let (image, d, steps) = (image.baseAddress!, d.baseAddress!, steps.baseAddress!)
                    func scan(sign: Int) {
                        for kk in 0..<nk { for jj in 0..<nj {
                            let k = sign > 0 ? kk : nk - 1 - kk, j = sign > 0 ? jj : nj - 1 - jj
                            let row = ni * (j + nj * k)
                            for o in earlierRows {
                                let b = j + sign * o.dj, c = k + sign * o.dk
                                guard b >= 0, b < nj, c >= 0, c < nk else { continue }
                                let di = sign * o.di
                                let first = row + max(0, -di), n = first + di + ni * (b - j + nj * (c - k))
                                gk_relax_row(d + first, d + n, image + first, image + n, ni - abs(di), o.square, c2)
                            }
                            // Within the row, in the scan's direction: each voxel after the one before it is final.
                            gk_row_steps(steps, image + row, ni, alongRow, c2)
                            if sign > 0 {
                                for i in 1..<ni { d[row + i] = min(d[row + i], d[row + i - 1] + steps[i]) }
                            } else {
                                for i in stride(from: ni - 2, through: 0, by: -1) { d[row + i] = min(d[row + i], d[row + i + 1] + steps[i + 1]) }
                            }
                        } }
                    }
                    for _ in 0..<iterations {
                        scan(sign: 1)
                        scan(sign: -1)
                    }
                }
            }
        }
        return distance
    }
}
