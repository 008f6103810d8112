// Axial, coronal and sagittal slices in display order (radiological convention: the patient's right on the
// screen's left; anterior or superior at the top), with the physical size of their pixels. Slices follow
// the voxel axes closest to each anatomical direction, so nothing is resampled.

public enum SlicePlane: String, Sendable, CaseIterable, Codable {
    case axial, coronal, sagittal

    /// The world axis a slice of this plane holds fixed.
    public var fixedWorldAxis: WorldAxis {
        switch self {
        case .axial: .z
        case .coronal: .y
        case .sagittal: .x
        }
    }

    /// World axes along screen columns (left → right) and rows (top → bottom); both run toward decreasing
    /// world values (R→L, A→P, S→I).
    var screenWorldAxes: (column: WorldAxis, row: WorldAxis) {
        switch self {
        case .axial: (.x, .y)
        case .coronal: (.x, .z)
        case .sagittal: (.y, .z)
        }
    }
}

/// Where a plane's pixels come from in a grid.
public struct PlaneGeometry: Sendable, Equatable {
    public var plane: SlicePlane
    public var fixedAxis: Int
    public var columnAxis: Int
    public var rowAxis: Int
    public var columnFlipped: Bool
    public var rowFlipped: Bool
    public var width: Int
    public var height: Int
    /// Number of slices along the fixed axis.
    public var depth: Int
    public var pixelWidthMM: Double
    public var pixelHeightMM: Double
    /// True when a larger slice number moves toward R, A or S.
    public var sliceAxisPointsForward: Bool

    public init(grid: Grid, plane: SlicePlane) {
        let orientation = grid.orientation
        self.plane = plane
        fixedAxis = orientation.voxelAxis(along: plane.fixedWorldAxis)
        let (columnWorld, rowWorld) = plane.screenWorldAxes
        columnAxis = orientation.voxelAxis(along: columnWorld)
        rowAxis = orientation.voxelAxis(along: rowWorld)
        // Screen order runs toward decreasing world values: flip the axes whose index grows toward increasing ones.
        columnFlipped = orientation.axes[columnAxis].sign > 0
        rowFlipped = orientation.axes[rowAxis].sign > 0
        width = grid.shape[columnAxis]
        height = grid.shape[rowAxis]
        depth = grid.shape[fixedAxis]
        pixelWidthMM = grid.spacingMM[columnAxis]
        pixelHeightMM = grid.spacingMM[rowAxis]
        sliceAxisPointsForward = orientation.axes[fixedAxis].sign > 0
    }

    public func voxel(column: Int, row: Int, slice: Int) -> VoxelIndex {
        var v = VoxelIndex(0, 0, 0)
        v[columnAxis] = columnFlipped ? width - 1 - column : column
        v[rowAxis] = rowFlipped ? height - 1 - row : row
        v[fixedAxis] = slice
        return v
    }

    /// Column, row and slice number of a voxel in this plane.
    public func position(of v: VoxelIndex) -> (column: Int, row: Int, slice: Int) {
        let c = v[columnAxis], r = v[rowAxis]
        return (columnFlipped ? width - 1 - c : c, rowFlipped ? height - 1 - r : r, v[fixedAxis])
    }

    /// Anatomical letters at the left, right, top and bottom edges of the view.
    public var edgeLetters: (left: String, right: String, top: String, bottom: String) {
        let (columnWorld, rowWorld) = plane.screenWorldAxes
        let left = AxisDirection(axis: columnWorld, sign: 1).code
        let top = AxisDirection(axis: rowWorld, sign: 1).code
        return (left, AxisDirection(axis: columnWorld, sign: -1).code, top, AxisDirection(axis: rowWorld, sign: -1).code)
    }

    /// Extracts one slice, row by row from the top.
    public func extract<T>(_ values: [T], grid: Grid, slice: Int) -> [T] {
        precondition(slice >= 0 && slice < depth, "slice \(slice) is outside 0..<\(depth)")
        let strides = [1, grid.shape[0], grid.shape[0] * grid.shape[1]]
        let columnStride = columnFlipped ? -strides[columnAxis] : strides[columnAxis]
        let rowStride = rowFlipped ? -strides[rowAxis] : strides[rowAxis]
        let origin = grid.offset(voxel(column: 0, row: 0, slice: slice))
        var out = [T]()
        out.reserveCapacity(width * height)
        values.withUnsafeBufferPointer { p in
            for row in 0..<height {
                var index = origin + row * rowStride
                for _ in 0..<width {
                    out.append(p[index])
                    index += columnStride
                }
            }
        }
        return out
    }
}

/// One slice in display order: `pixels[row * width + column]`, row 0 at the top.
public struct Slice<T: Sendable>: Sendable {
    public var geometry: PlaneGeometry
    public var index: Int
    public var pixels: [T]

    public init(geometry: PlaneGeometry, index: Int, pixels: [T]) {
        precondition(pixels.count == geometry.width * geometry.height, "a slice has width × height pixels")
        self.geometry = geometry
        self.index = index
        self.pixels = pixels
    }

    public var width: Int { geometry.width }
    public var height: Int { geometry.height }
    public subscript(column: Int, row: Int) -> T { pixels[row * geometry.width + column] }
}

extension Volume {
    public func slice(_ plane: SlicePlane, at index: Int) -> Slice<Float> {
        let geometry = PlaneGeometry(grid: grid, plane: plane)
        return Slice(geometry: geometry, index: index, pixels: geometry.extract(voxels, grid: grid, slice: index))
    }
}

extension LabelVolume {
    public func slice(_ plane: SlicePlane, at index: Int) -> Slice<UInt16> {
        let geometry = PlaneGeometry(grid: grid, plane: plane)
        return Slice(geometry: geometry, index: index, pixels: geometry.extract(voxels, grid: grid, slice: index))
    }
}
