// Closest-canonical reorientation: only permutes and flips voxel axes (no resampling), updating the affine
// so every voxel keeps its place in the world.

extension Grid {
    /// How to carry voxels from this grid to the same grid with axes permuted and flipped to `target`.
    struct AxisMapping {
        /// For each new axis, the old axis it takes and whether it runs backwards.
        var source: [(axis: Int, flipped: Bool)]
        var grid: Grid
    }

    func mapping(to target: Orientation) -> AxisMapping {
        let current = orientation
        var source: [(axis: Int, flipped: Bool)] = []
        var transform = Affine.identity  // new voxel index → old voxel index
        for c in 0..<4 { for r in 0..<4 { transform[r, c] = r == 3 && c == 3 ? 1 : 0 } }
        for newAxis in 0..<3 {
            let want = target.axes[newAxis]
            let oldAxis = current.voxelAxis(along: want.axis)
            let flipped = current.axes[oldAxis].sign != want.sign
            source.append((oldAxis, flipped))
            transform[oldAxis, newAxis] = flipped ? -1 : 1
            transform[oldAxis, 3] = flipped ? Double(shape[oldAxis] - 1) : 0
        }
        let newAffine = affine * transform
        let newShape = source.map { shape[$0.axis] }
        let newSpacing = source.map { spacingMM[$0.axis] }
        let newGrid = Grid(shape: newShape, affine: newAffine, spacingMM: newSpacing,
                           geometry: geometry.derived(affine: newAffine))
        return AxisMapping(source: source, grid: newGrid)
    }

    /// The grid a reoriented volume lies on (same voxels in the world, axes permuted and flipped to `target`).
    public func reoriented(to target: Orientation = .ras) -> Grid { mapping(to: target).grid }

    /// Values laid out on this grid, carried to the reoriented grid.
    func reorient<T>(_ values: [T], to target: Orientation) -> ([T], Grid) {
        let map = mapping(to: target)
        if map.source.enumerated().allSatisfy({ $0.offset == $0.element.axis && !$0.element.flipped }) {
            return (values, map.grid)
        }
        let n = map.grid.shape
        var strides = [1, shape[0], shape[0] * shape[1]]
        var starts = [0, 0, 0]
        for newAxis in 0..<3 {
            let (oldAxis, flipped) = map.source[newAxis]
            starts[newAxis] = flipped ? (shape[oldAxis] - 1) * strides[oldAxis] : 0
        }
        strides = (0..<3).map { newAxis in
            let (oldAxis, flipped) = map.source[newAxis]
            let stride = [1, shape[0], shape[0] * shape[1]][oldAxis]
            return flipped ? -stride : stride
        }
        let base = starts.reduce(0, +)
        var out = [T]()
        out.reserveCapacity(values.count)
        for k in 0..<n[2] {
            for j in 0..<n[1] {
                var index = base + k * strides[2] + j * strides[1]
                for _ in 0..<n[0] {
                    out.append(values[index])
                    index += strides[0]
                }
            }
        }
        return (out, map.grid)
    }
}

extension Volume {
    /// The same image with voxel axes permuted and flipped to the closest match of `target` (RAS by default).
    public func reoriented(to target: Orientation = .ras) -> Volume {
        let (values, newGrid) = grid.reorient(voxels, to: target)
        return Volume(grid: newGrid, voxels: values, header: header, volumeIndex: volumeIndex)
    }
}

extension LabelVolume {
    public func reoriented(to target: Orientation = .ras) -> LabelVolume {
        let (values, newGrid) = grid.reorient(voxels, to: target)
        return LabelVolume(grid: newGrid, voxels: values)
    }
}
