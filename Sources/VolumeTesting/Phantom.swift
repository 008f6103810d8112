// A generated study: an image, its ground-truth labels and their names.

import Randomness
import Volume

public struct Phantom: Sendable {
    public var image: Volume
    public var labels: LabelVolume
    /// Label names in label-value order (value 1 first).
    public var labelNames: [String]

    /// A grid centred on the world origin with the given voxel-axis directions ("RAS", "LPS", …).
    public static func centredGrid(shape: [Int], spacing: [Double], orientation: String) -> Grid {
        let directions = Orientation(codes: orientation)!.axes
        var affine = Affine.identity
        for voxelAxis in 0..<3 {
            for row in 0..<3 { affine[row, voxelAxis] = 0 }
            let d = directions[voxelAxis]
            affine[d.axis.rawValue, voxelAxis] = Double(d.sign) * spacing[voxelAxis]
        }
        for row in 0..<3 {
            var centre = 0.0
            for axis in 0..<3 { centre += affine[row, axis] * Double(shape[axis] - 1) / 2 }
            affine[row, 3] = -centre
        }
        return Grid(shape: shape, affine: affine, spacingMM: spacing,
                    geometry: NiftiGeometry(affine: affine, sformCode: 1, qformCode: 1))
    }

    /// Calls `body(offset, x, y, z)` for every voxel with its world position in millimetres.
    static func forEachVoxel(of grid: Grid, _ body: (Int, Double, Double, Double) -> Void) {
        let a = grid.affine
        for k in 0..<grid.shape[2] {
            for j in 0..<grid.shape[1] {
                var p = a.apply((0, Double(j), Double(k)))
                let offset = grid.offset(0, j, k)
                for i in 0..<grid.shape[0] {
                    body(offset + i, p.0, p.1, p.2)
                    p.0 += a[0, 0]; p.1 += a[1, 0]; p.2 += a[2, 0]
                }
            }
        }
    }

    /// Blurs like a scanner's point-spread function, adds noise and rounds to whole numbers.
    static func acquire(_ values: [Float], grid: Grid, blurVoxels: [Double], noise: Double, clamp: ClosedRange<Float>,
                        random: inout SplitMix, rician: Bool = false) -> [Float] {
        var out = GaussianSmoothing.apply(values, shape: grid.shape, sigma: blurVoxels)
        for n in 0..<out.count {
            var v = Double(out[n])
            if rician {
                let a = v + noise * random.gaussian(), b = noise * random.gaussian()
                v = (a * a + b * b).squareRoot()
            } else {
                v += noise * random.gaussian()
            }
            out[n] = min(max(Float(v.rounded()), clamp.lowerBound), clamp.upperBound)
        }
        return out
    }
}
