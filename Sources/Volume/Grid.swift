// The voxel grid an image or label lives on: shape, affine, spacing and the NIfTI geometry fields needed to
// write a file that overlays the source exactly (both codes, sform, quaternion, units).

import CNifti

public struct VoxelIndex: Sendable, Hashable, Codable, CustomStringConvertible {
    public var i: Int, j: Int, k: Int
    public init(_ i: Int, _ j: Int, _ k: Int) { (self.i, self.j, self.k) = (i, j, k) }
    /// The voxel at offset `n` of a grid of `shape` (i fastest): the inverse of `Grid.offset`.
    public init(offset n: Int, shape: [Int]) { self.init(n % shape[0], (n / shape[0]) % shape[1], n / (shape[0] * shape[1])) }
    public subscript(axis: Int) -> Int {
        get { axis == 0 ? i : axis == 1 ? j : k }
        set { if axis == 0 { i = newValue } else if axis == 1 { j = newValue } else { k = newValue } }
    }
    public var description: String { "(\(i), \(j), \(k))" }
}

/// A point in RAS+ millimetres.
public struct WorldPoint: Sendable, Hashable, Codable {
    public var x: Double, y: Double, z: Double
    public init(_ x: Double, _ y: Double, _ z: Double) { (self.x, self.y, self.z) = (x, y, z) }
}

/// The geometry fields of a NIfTI header, kept so that a file written for an image reproduces them.
public struct NiftiGeometry: Sendable, Equatable, Codable {
    public var sformCode: Int32
    public var qformCode: Int32
    /// srow_x, srow_y, srow_z as an affine.
    public var sform: Affine
    public var quaternB: Double, quaternC: Double, quaternD: Double
    public var qoffsetX: Double, qoffsetY: Double, qoffsetZ: Double
    public var qfac: Double
    /// pixdim[1...3], as stored (may be negative in odd files).
    public var pixdim: [Double]
    public var xyzUnits: Int32
    public var timeUnits: Int32

    /// Geometry describing `affine` in both the sform and the qform, with the given codes.
    public init(affine: Affine, sformCode: Int32, qformCode: Int32, xyzUnits: Int32 = 2, timeUnits: Int32 = 0) {
        self.sformCode = sformCode
        self.qformCode = qformCode
        self.sform = affine
        self.xyzUnits = xyzUnits
        self.timeUnits = timeUnits
        var m = nifti_dmat44()
        withUnsafeMutableBytes(of: &m.m) { raw in
            let p = raw.bindMemory(to: Double.self)
            for r in 0..<4 { for c in 0..<4 { p[r * 4 + c] = affine[r, c] } }
        }
        var qb = 0.0, qc = 0.0, qd = 0.0, qx = 0.0, qy = 0.0, qz = 0.0, dx = 0.0, dy = 0.0, dz = 0.0, qf = 0.0
        nifti_dmat44_to_quatern(m, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qf)
        (quaternB, quaternC, quaternD, qoffsetX, qoffsetY, qoffsetZ, qfac) = (qb, qc, qd, qx, qy, qz, qf)
        pixdim = affine.columnNorms
    }

    public init(sformCode: Int32, qformCode: Int32, sform: Affine, quaternB: Double, quaternC: Double,
                quaternD: Double, qoffsetX: Double, qoffsetY: Double, qoffsetZ: Double, qfac: Double,
                pixdim: [Double], xyzUnits: Int32, timeUnits: Int32) {
        self.sformCode = sformCode
        self.qformCode = qformCode
        self.sform = sform
        (self.quaternB, self.quaternC, self.quaternD) = (quaternB, quaternC, quaternD)
        (self.qoffsetX, self.qoffsetY, self.qoffsetZ, self.qfac) = (qoffsetX, qoffsetY, qoffsetZ, qfac)
        self.pixdim = pixdim
        self.xyzUnits = xyzUnits
        self.timeUnits = timeUnits
    }

    /// Geometry for a derived grid (cropped, reoriented, resampled): the new affine in both forms, keeping
    /// the source's codes (or "aligned" where the source had none, so the affine is not lost on write).
    public func derived(affine: Affine) -> NiftiGeometry {
        let s = sformCode > 0 ? sformCode : (qformCode > 0 ? qformCode : 2)
        let q = qformCode > 0 ? qformCode : s
        return NiftiGeometry(affine: affine, sformCode: s, qformCode: q, xyzUnits: xyzUnits, timeUnits: timeUnits)
    }
}

public struct Grid: Sendable, Equatable {
    /// Voxel counts along i, j, k.
    public var shape: [Int]
    /// Voxel index → RAS+ millimetres, chosen as nibabel does (sform if its code is set, else qform, else pixdim).
    public var affine: Affine
    /// Voxel size in millimetres along i, j, k.
    public var spacingMM: [Double]
    public var geometry: NiftiGeometry

    public init(shape: [Int], affine: Affine, spacingMM: [Double]? = nil, geometry: NiftiGeometry? = nil) {
        precondition(shape.count == 3, "a grid has three axes")
        self.shape = shape
        self.affine = affine
        self.spacingMM = spacingMM ?? affine.columnNorms
        self.geometry = geometry ?? NiftiGeometry(affine: affine, sformCode: 2, qformCode: 2)
    }

    public var voxelCount: Int { shape[0] * shape[1] * shape[2] }
    public var orientation: Orientation { Orientation(affine: affine) }

    @inline(__always)
    public func offset(_ i: Int, _ j: Int, _ k: Int) -> Int { i + shape[0] * (j + shape[1] * k) }
    public func offset(_ v: VoxelIndex) -> Int { offset(v.i, v.j, v.k) }
    /// The voxel at a position in storage order: the inverse of `offset`.
    public func voxel(atOffset n: Int) -> VoxelIndex { VoxelIndex(offset: n, shape: shape) }

    /// The squared distance between two voxels' centres in millimetres.
    public func squaredDistanceMM(_ a: VoxelIndex, _ b: VoxelIndex) -> Double {
        (0..<3).reduce(0.0) { $0 + pow(Double(a[$1] - b[$1]) * spacingMM[$1], 2) }
    }

    public func contains(_ v: VoxelIndex) -> Bool {
        v.i >= 0 && v.j >= 0 && v.k >= 0 && v.i < shape[0] && v.j < shape[1] && v.k < shape[2]
    }

    public func world(_ v: VoxelIndex) -> WorldPoint {
        let p = affine.apply((Double(v.i), Double(v.j), Double(v.k)))
        return WorldPoint(p.0, p.1, p.2)
    }

    /// Continuous voxel coordinates of a world point.
    public func voxelCoordinates(_ p: WorldPoint) -> (Double, Double, Double) {
        (affine.inverse ?? .identity).apply((p.x, p.y, p.z))
    }

    /// The nearest voxel to a world point, or nil outside the grid.
    public func voxel(_ p: WorldPoint) -> VoxelIndex? {
        let c = voxelCoordinates(p)
        let v = VoxelIndex(Int((c.0).rounded()), Int((c.1).rounded()), Int((c.2).rounded()))
        return contains(v) ? v : nil
    }

    /// True when two grids place every voxel at the same point (shape equal, affines within `tolerance` mm).
    public func matches(_ other: Grid, tolerance: Double = 1e-4) -> Bool {
        shape == other.shape && zip(affine.values, other.affine.values).allSatisfy { abs($0 - $1) <= tolerance }
    }
}
