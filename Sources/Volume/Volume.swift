// An image: Float32 voxels (after scl_slope/scl_inter) on a grid, plus the header facts of its source file.

public struct ImageHeader: Sendable, Equatable {
    public var niftiVersion: Int
    public var datatype: VoxelType
    /// Every dimension of the file (3 for a volume, 4 for a series, …).
    public var dims: [Int]
    /// pixdim for every dimension, as stored (nibabel's zooms).
    public var zooms: [Double]
    public var sclSlope: Double
    public var sclInter: Double
    public var description: String
    /// Byte order of the voxel data on disk.
    public var bigEndian: Bool

    /// The datatype as numpy and nibabel name it: "int16", or ">i2" when stored big-endian.
    public var numpyDatatype: String {
        guard bigEndian && datatype.byteCount > 1 else { return datatype.name }
        let kind = datatype == .float32 || datatype == .float64 ? "f" : datatype.name.hasPrefix("u") ? "u" : "i"
        return ">\(kind)\(datatype.byteCount)"
    }

    /// Number of 3D volumes in the file (product of dims beyond the third).
    public var volumeCount: Int { dims.dropFirst(3).reduce(1, *) }

    public init(niftiVersion: Int = 1, datatype: VoxelType, dims: [Int], zooms: [Double], sclSlope: Double = 1,
                sclInter: Double = 0, description: String = "", bigEndian: Bool = false) {
        self.niftiVersion = niftiVersion
        self.datatype = datatype
        self.dims = dims
        self.zooms = zooms
        self.sclSlope = sclSlope
        self.sclInter = sclInter
        self.description = description
        self.bigEndian = bigEndian
    }
}

public struct Volume: Sendable, Equatable {
    public var grid: Grid
    /// i fastest, then j, then k, as NIfTI stores them.
    public var voxels: [Float]
    public var header: ImageHeader
    /// Which 3D volume of the file this is (0 for 3D files).
    public var volumeIndex: Int

    public init(grid: Grid, voxels: [Float], header: ImageHeader? = nil, volumeIndex: Int = 0) {
        precondition(voxels.count == grid.voxelCount, "voxel count must match the grid")
        self.grid = grid
        self.voxels = voxels
        self.header = header ?? ImageHeader(datatype: .float32, dims: grid.shape, zooms: grid.spacingMM)
        self.volumeIndex = volumeIndex
    }

    public var shape: [Int] { grid.shape }
    public var affine: Affine { grid.affine }
    public var spacingMM: [Double] { grid.spacingMM }

    public subscript(i: Int, j: Int, k: Int) -> Float {
        get { voxels[grid.offset(i, j, k)] }
        set { voxels[grid.offset(i, j, k)] = newValue }
    }

    public subscript(v: VoxelIndex) -> Float {
        get { voxels[grid.offset(v)] }
        set { voxels[grid.offset(v)] = newValue }
    }
}

/// A label map: 0 = background, 1…N = labels, on the grid of the image it annotates.
public struct LabelVolume: Sendable, Equatable {
    public var grid: Grid
    public var voxels: [UInt16]

    public init(grid: Grid, voxels: [UInt16]) {
        precondition(voxels.count == grid.voxelCount, "voxel count must match the grid")
        self.grid = grid
        self.voxels = voxels
    }

    /// An empty label map on a grid.
    public init(grid: Grid) {
        self.init(grid: grid, voxels: [UInt16](repeating: 0, count: grid.voxelCount))
    }

    public var shape: [Int] { grid.shape }

    public subscript(i: Int, j: Int, k: Int) -> UInt16 {
        get { voxels[grid.offset(i, j, k)] }
        set { voxels[grid.offset(i, j, k)] = newValue }
    }

    public subscript(v: VoxelIndex) -> UInt16 {
        get { voxels[grid.offset(v)] }
        set { voxels[grid.offset(v)] = newValue }
    }

    /// The labels present, without 0.
    public var labelsPresent: [UInt16] {
        var seen = [Bool](repeating: false, count: 65536)
        for v in voxels { seen[Int(v)] = true }
        return (1..<65536).compactMap { seen[$0] ? UInt16($0) : nil }
    }

    /// Voxel count of one label.
    public func count(of label: UInt16) -> Int { voxels.reduce(0) { $0 + ($1 == label ? 1 : 0) } }

    /// Dice overlap of one label with the same label in another map on the same grid (1 when both are empty).
    public func dice(with other: LabelVolume, label: UInt16) -> Double {
        precondition(voxels.count == other.voxels.count, "Dice needs two maps on one grid")
        var a = 0, b = 0, both = 0
        for n in 0..<voxels.count {
            let x = voxels[n] == label, y = other.voxels[n] == label
            if x { a += 1 }
            if y { b += 1 }
            if x && y { both += 1 }
        }
        return a + b == 0 ? 1 : 2 * Double(both) / Double(a + b)
    }
}
