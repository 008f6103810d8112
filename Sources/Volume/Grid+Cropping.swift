// Cropping to a box of voxels; the new affine puts the box's first voxel where it was.

/// Voxels from `lower` (inclusive) to `upper` (exclusive) on each axis.
public struct VoxelBox: Sendable, Equatable, Codable {
    public var lower: VoxelIndex
    public var upper: VoxelIndex

    public init(lower: VoxelIndex, upper: VoxelIndex) {
        self.lower = lower
        self.upper = upper
    }

    public var shape: [Int] { (0..<3).map { upper[$0] - lower[$0] } }
    public var isEmpty: Bool { (0..<3).contains { upper[$0] <= lower[$0] } }

    /// The smallest box holding both.
    public func union(_ other: VoxelBox) -> VoxelBox {
        guard !other.isEmpty else { return self }
        guard !isEmpty else { return other }
        var box = self
        for axis in 0..<3 {
            box.lower[axis] = min(lower[axis], other.lower[axis])
            box.upper[axis] = max(upper[axis], other.upper[axis])
        }
        return box
    }

    /// The box clipped to a grid.
    public func clipped(to grid: Grid) -> VoxelBox {
        var box = self
        for axis in 0..<3 {
            box.lower[axis] = min(max(lower[axis], 0), grid.shape[axis])
            box.upper[axis] = min(max(upper[axis], box.lower[axis]), grid.shape[axis])
        }
        return box
    }
}

extension Grid {
    public func cropped(to box: VoxelBox) -> Grid {
        let newAffine = affine * Affine(values: [
            1, 0, 0, Double(box.lower.i), 0, 1, 0, Double(box.lower.j), 0, 0, 1, Double(box.lower.k), 0, 0, 0, 1,
        ])
        return Grid(shape: box.shape, affine: newAffine, spacingMM: spacingMM, geometry: geometry.derived(affine: newAffine))
    }

    /// The values of this grid inside `box` (within the grid), i fastest.
    public func crop<T>(_ values: [T], to box: VoxelBox) -> [T] {
        var out = [T]()
        out.reserveCapacity(box.shape.reduce(1, *))
        for k in box.lower.k..<box.upper.k {
            for j in box.lower.j..<box.upper.j {
                let start = offset(box.lower.i, j, k)
                out.append(contentsOf: values[start..<start + box.shape[0]])
            }
        }
        return out
    }
}

extension Volume {
    public func cropped(to box: VoxelBox) -> Volume {
        let box = box.clipped(to: grid)
        return Volume(grid: grid.cropped(to: box), voxels: grid.crop(voxels, to: box), header: header, volumeIndex: volumeIndex)
    }
}

extension LabelVolume {
    public func cropped(to box: VoxelBox) -> LabelVolume {
        let box = box.clipped(to: grid)
        return LabelVolume(grid: grid.cropped(to: box), voxels: grid.crop(voxels, to: box))
    }
}
