// Resampling onto another grid: trilinear for images, nearest for labels. Each target voxel centre is carried
// through both affines into the source's voxel space, so any spacing, orientation or crop works the same way.

import Dispatch
import Parallelism

extension Grid {
    /// The grid covering the same extent with another voxel size: shape = round(extent / spacing).
    public func withSpacing(_ newSpacing: [Double]) -> Grid {
        precondition(newSpacing.count == 3 && newSpacing.allSatisfy { $0 > 0 }, "spacing needs three positive values")
        let scale = (0..<3).map { newSpacing[$0] / spacingMM[$0] }
        let newShape = (0..<3).map { max(1, Int((Double(shape[$0]) / scale[$0]).rounded())) }
        let newAffine = affine * Affine.scaling(scale[0], scale[1], scale[2])
        return Grid(shape: newShape, affine: newAffine, spacingMM: newSpacing, geometry: geometry.derived(affine: newAffine))
    }

    /// For each target voxel (i fastest), calls `body(row of target values, source coordinates of its first
    /// voxel, step in source coordinates per target i)`; rows are handed out across the cores.
    func forEachRow(of target: Grid, _ body: @Sendable (Int, (Double, Double, Double), (Double, Double, Double)) -> Void) {
        let map = (affine.inverse ?? .identity) * target.affine  // target voxel → source voxel
        let step = (map[0, 0], map[1, 0], map[2, 0])
        let rows = target.shape[1] * target.shape[2]
        let parts = max(1, min(rows, 64))
        let chunk = (rows + parts - 1) / parts
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let start = part * chunk, end = min(rows, start + chunk)
            guard start < end else { return }
            for row in start..<end {
                let j = row % target.shape[1], k = row / target.shape[1]
                let origin = map.apply((0, Double(j), Double(k)))
                body(row, origin, step)
            }
        }
    }
}

extension Grid {
    /// Values on this grid carried onto `target`: `sample(source, x, y, z)` reads the source at continuous voxel
    /// coordinates; rows of the target are filled on all cores.
    func resample<T>(_ values: [T], onto target: Grid,
                     sample: @escaping @Sendable (UnsafeMutablePointer<T>, Double, Double, Double) -> T) -> [T] {
        // The same grid: every sample would land exactly on its own voxel.
        if target == self { return values }
        let width = target.shape[0]
        return [T](unsafeUninitializedCapacity: target.voxelCount) { buffer, initialized in
            let out = UncheckedBox(buffer.baseAddress!)
            values.withUnsafeBufferPointer { source in
                let src = UncheckedBox(UnsafeMutablePointer(mutating: source.baseAddress!))
                forEachRow(of: target) { row, origin, step in
                    var (x, y, z) = origin
                    for i in 0..<width {
                        (out.value + row * width + i).initialize(to: sample(src.value, x, y, z))
                        x += step.0; y += step.1; z += step.2
                    }
                }
            }
            initialized = target.voxelCount
        }
    }
}

extension Volume {
    public func resampled(spacingMM newSpacing: [Double]) -> Volume {
        resampled(to: grid.withSpacing(newSpacing))
    }

    /// Trilinear interpolation onto `target`; points outside the source take `outside`.
    public func resampled(to target: Grid, outside: Float = 0) -> Volume {
        let n = shape
        let values = grid.resample(voxels, onto: target) { p, x, y, z in Volume.trilinear(p, n, x, y, z, outside) }
        return Volume(grid: target, voxels: values, header: header, volumeIndex: volumeIndex)
    }

    @inline(__always)
    static func trilinear(_ p: UnsafeMutablePointer<Float>, _ n: [Int], _ x: Double, _ y: Double, _ z: Double,
                          _ outside: Float) -> Float {
        let eps = 1e-6
        guard x > -0.5 - eps, y > -0.5 - eps, z > -0.5 - eps,
              x < Double(n[0]) - 0.5 + eps, y < Double(n[1]) - 0.5 + eps, z < Double(n[2]) - 0.5 + eps
        else { return outside }
        // Within half a voxel of the edge, the edge value holds (border padding).
        let cx = min(max(x, 0), Double(n[0] - 1)), cy = min(max(y, 0), Double(n[1] - 1)), cz = min(max(z, 0), Double(n[2] - 1))
        let x0 = min(Int(cx), n[0] - 1), y0 = min(Int(cy), n[1] - 1), z0 = min(Int(cz), n[2] - 1)
        let x1 = min(x0 + 1, n[0] - 1), y1 = min(y0 + 1, n[1] - 1), z1 = min(z0 + 1, n[2] - 1)
        let fx = Float(cx - Double(x0)), fy = Float(cy - Double(y0)), fz = Float(cz - Double(z0))
        let sj = n[0], sk = n[0] * n[1]
        @inline(__always) func at(_ i: Int, _ j: Int, _ k: Int) -> Float { p[i + j * sj + k * sk] }
        let c00 = at(x0, y0, z0) * (1 - fx) + at(x1, y0, z0) * fx
        let c10 = at(x0, y1, z0) * (1 - fx) + at(x1, y1, z0) * fx
        let c01 = at(x0, y0, z1) * (1 - fx) + at(x1, y0, z1) * fx
        let c11 = at(x0, y1, z1) * (1 - fx) + at(x1, y1, z1) * fx
        let c0 = c00 * (1 - fy) + c10 * fy
        let c1 = c01 * (1 - fy) + c11 * fy
        return c0 * (1 - fz) + c1 * fz
    }
}

extension LabelVolume {
    public func resampled(spacingMM newSpacing: [Double]) -> LabelVolume {
        resampled(to: grid.withSpacing(newSpacing))
    }

    /// Nearest-neighbour resampling onto `target` (labels are never blended); outside the source is 0.
    public func resampled(to target: Grid) -> LabelVolume {
        let n = shape
        let values = grid.resample(voxels, onto: target) { p, x, y, z -> UInt16 in
            let a = Int(x.rounded()), b = Int(y.rounded()), c = Int(z.rounded())
            let inside = a >= 0 && b >= 0 && c >= 0 && a < n[0] && b < n[1] && c < n[2]
            return inside ? p[a + n[0] * (b + n[1] * c)] : 0
        }
        return LabelVolume(grid: target, voxels: values)
    }
}
