// Reading NIfTI-1/2 files (.nii, .nii.gz, .hdr/.img): the header through nifti_clib, the voxel data streamed
// in bounded chunks straight into Float32 so that loading peaks at little more than the result itself.

import CNifti
import Foundation

/// An opened NIfTI file: its header and grid, with voxel data read on demand.
public struct NiftiFile: Sendable {
    public let path: String
    public let header: ImageHeader
    public let grid: Grid
    let raw: RawNiftiHeader
    /// Where the voxel bytes live: the file itself, or the .img of a pair.
    let dataPath: String

    /// Largest ratio a deflate stream can reach; a header promising more data than this is lying.
    static let maximumDeflateRatio = 1032

    public static func open(_ path: String) throws -> NiftiFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VolumeError.fileNotFound(path: path)
        }
        guard !isDirectory.boolValue else { throw VolumeError.unreadable(path: path, reason: "it is a folder") }
        // Links are followed; a FIFO or a device would block the reader forever.
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw VolumeError.unreadable(path: path, reason: "not a regular file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw VolumeError.unreadable(path: path, reason: "permission denied")
        }
        let isGzip = path.hasSuffix(".gz")
        let leading = try ByteReader.readPrefix(path: path, count: RawNiftiHeader.nifti2Size, expectGzip: isGzip)
        let raw = try RawNiftiHeader(bytes: leading, path: path)

        // nifti_clib for the full header: it computes the qform and sform matrices.
        nifti_set_debug_level(0)
        guard let nim = nifti_image_read(path, 0) else {
            throw VolumeError.invalidHeader(path: path, reason: "nifti_clib refused the header")
        }
        defer { nifti_image_free(nim) }
        let image = nim.pointee

        // Single files are read from the path given: nifti_clib would read "x.nii" if it sat beside "x.nii.gz".
        let dataPath = raw.isSingleFile ? path : (image.iname.map { String(cString: $0) } ?? path)
        let dataBytes = raw.dataByteCount!
        try checkDataFits(raw: raw, dataBytes: dataBytes, dataPath: dataPath, headerPath: path)

        let geometry = NiftiGeometry(
            sformCode: Int32(image.sform_code), qformCode: Int32(image.qform_code),
            sform: Affine(dmat: image.sto_xyz),
            quaternB: image.quatern_b, quaternC: image.quatern_c, quaternD: image.quatern_d,
            qoffsetX: image.qoffset_x, qoffsetY: image.qoffset_y, qoffsetZ: image.qoffset_z,
            qfac: image.qfac == 0 ? 1 : image.qfac,
            pixdim: (1...3).map { raw.pixdim.count >= $0 ? raw.pixdim[$0 - 1] : 1 },
            xyzUnits: Int32(image.xyz_units), timeUnits: Int32(image.time_units))

        let shape3 = (0..<3).map { raw.dims.count > $0 ? raw.dims[$0] : 1 }
        let zooms3 = (0..<3).map { raw.pixdim.count > $0 ? raw.pixdim[$0] : 1 }
        let affine: Affine
        if image.sform_code > 0 {
            affine = Affine(dmat: image.sto_xyz)
        } else if image.qform_code > 0 {
            affine = Affine(dmat: image.qto_xyz)
        } else {
            affine = baseAffine(shape: shape3, zooms: zooms3)
        }
        try checkGeometry(zooms: zooms3, affine: affine, fromForm: image.sform_code > 0 || image.qform_code > 0,
                          scaling: raw.effectiveScaling, datatype: raw.datatype, path: path)
        let description = withUnsafeBytes(of: image.descrip) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let scaling = raw.effectiveScaling
        let header = ImageHeader(
            niftiVersion: raw.version, datatype: raw.datatype, dims: raw.dims, zooms: raw.pixdim,
            sclSlope: scaling.slope, sclInter: scaling.inter, description: description,
            bigEndian: raw.swapped == (1.littleEndian == 1))
        let grid = Grid(shape: shape3, affine: affine, spacingMM: zooms3.map { abs($0) == 0 ? 1 : abs($0) },
                        geometry: geometry)
        return NiftiFile(path: path, header: header, grid: grid, raw: raw, dataPath: dataPath)
    }

    /// Refuses a header that promises more voxel data than the file can hold, before allocating for it.
    private static func checkDataFits(raw: RawNiftiHeader, dataBytes: Int, dataPath: String, headerPath: String) throws {
        // stat follows links: a linked image has the size of what it links to.
        var info = stat()
        guard stat(dataPath, &info) == 0 else { throw VolumeError.fileNotFound(path: dataPath) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw VolumeError.unreadable(path: dataPath, reason: "not a regular file") }
        let fileSize = Int(info.st_size)
        let (end, overflow) = raw.voxOffset.addingReportingOverflow(dataBytes)
        guard !overflow else {
            throw VolumeError.invalidHeader(path: headerPath, reason: "vox_offset \(raw.voxOffset) puts the data beyond any file")
        }
        if dataPath.hasSuffix(".gz") {
            let bound = fileSize.multipliedReportingOverflow(by: maximumDeflateRatio)
            if !bound.overflow && end > bound.partialValue {
                throw VolumeError.truncated(path: headerPath, expectedBytes: dataBytes, actualBytes: 0)
            }
        } else if end > fileSize {
            throw VolumeError.truncated(path: headerPath, expectedBytes: dataBytes,
                                        actualBytes: max(0, fileSize - raw.voxOffset))
        }
    }

    /// Refuses voxel sizes, affines and scalings that no scanner writes and that would break the arithmetic after
    /// them: NaN or infinite, voxels under 0.1 µm or over 100 m, an affine with entries beyond 10 km or that folds
    /// space flat, a scaling that takes the datatype's values past Float's range. nibabel reads such files; what it
    /// gives for them is no image.
    static func checkGeometry(zooms: [Double], affine: Affine, fromForm: Bool, scaling: (slope: Double, inter: Double),
                              datatype: VoxelType, path: String) throws {
        for (axis, zoom) in zooms.enumerated() where zoom != 0 && !(abs(zoom) >= 1e-4 && abs(zoom) <= 1e5) {
            throw VolumeError.invalidHeader(path: path, reason: "pixdim[\(axis + 1)] = \(zoom) is not a voxel size in mm")
        }
        let linear = (0..<3).flatMap { row in (0..<4).map { affine[row, $0] } }
        guard linear.allSatisfy({ $0.isFinite && abs($0) <= 1e7 }) else {
            throw VolumeError.invalidHeader(path: path, reason: "the affine has entries that are not finite or lie beyond 10 km")
        }
        let m = (0..<3).map { row in (0..<3).map { affine[row, $0] } }
        let determinant = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        // Without a form the affine is pixdim's, zeros included, as nibabel makes it.
        guard !fromForm || abs(determinant) > 1e-12 else {
            throw VolumeError.invalidHeader(path: path, reason: "the affine folds the voxel axes onto a plane (determinant 0)")
        }
        if datatype != .float32 && datatype != .float64 {
            let largest = pow(2, Double(datatype.byteCount * 8))
            guard abs(scaling.slope) * largest + abs(scaling.inter) < Double(Float.greatestFiniteMagnitude) else {
                throw VolumeError.invalidHeader(path: path, reason: "scl_slope \(scaling.slope) and scl_inter \(scaling.inter) take "
                                                + "\(datatype.name) values beyond the range of 32-bit floats")
            }
        }
    }

    /// nibabel's affine when neither form is set: pixdim scaling about the centre, x flipped (Analyze style).
    static func baseAffine(shape: [Int], zooms: [Double]) -> Affine {
        var affine = Affine.identity
        let signed = [-zooms[0], zooms[1], zooms[2]]
        for axis in 0..<3 {
            affine[axis, axis] = signed[axis]
            affine[axis, 3] = -Double(shape[axis] - 1) / 2 * signed[axis]
        }
        return affine
    }

    public var volumeCount: Int { header.volumeCount }

    /// Reads one 3D volume (the first by default) as Float32 with scaling applied.
    public func readVolume(_ index: Int = 0) throws -> Volume {
        let count = grid.voxelCount
        try MemoryBudget.check(count, of: MemoryLayout<Float>.size, reading: path)
        let decoder = VoxelDecoder(type: raw.datatype, swapped: raw.swapped, scaling: raw.effectiveScaling)
        let voxels = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readRawChunks(volume: index) { bytes, first, n in
                decoder.decode(bytes, into: buffer.baseAddress! + first, count: n)
            }
            initialized = count
        }
        return Volume(grid: grid, voxels: voxels, header: header, volumeIndex: index)
    }

    /// Reads one 3D volume as a label map: values must be whole numbers in 0…65535.
    public func readLabels(_ index: Int = 0) throws -> LabelVolume {
        let count = grid.voxelCount
        try MemoryBudget.check(count, of: MemoryLayout<UInt16>.size, reading: path)
        var bad: Float?
        let voxels = try [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readVoxels(volume: index) { chunk, start in
                for n in 0..<chunk.count {
                    let v = chunk[n]
                    if v >= 0 && v <= 65535 && v == v.rounded() {
                        buffer[start + n] = UInt16(v)
                    } else {
                        bad = bad ?? v
                        buffer[start + n] = 0
                    }
                }
            }
            initialized = count
        }
        if let bad {
            throw VolumeError.invalidHeader(path: path, reason: "label value \(bad) is not a whole number in 0…65535")
        }
        return LabelVolume(grid: grid, voxels: voxels)
    }

    /// Streams one volume's voxels, scaled, in chunks: `consume(values, index of the first value)`.
    public func readVoxels(volume index: Int, consume: (UnsafeBufferPointer<Float>, Int) throws -> Void) throws {
        let decoder = VoxelDecoder(type: raw.datatype, swapped: raw.swapped, scaling: raw.effectiveScaling)
        var values = [Float](repeating: 0, count: NiftiFile.chunkBytes / raw.datatype.byteCount)
        try readRawChunks(volume: index) { bytes, first, n in
            try values.withUnsafeMutableBufferPointer { target in
                decoder.decode(bytes, into: target.baseAddress!, count: n)
                try consume(UnsafeBufferPointer(rebasing: target[0..<n]), first)
            }
        }
    }

    static let chunkBytes = 4 << 20

    /// Streams one volume's raw bytes in bounded chunks: `body(bytes, index of the first voxel, voxel count)`.
    private func readRawChunks(volume index: Int, _ body: (UnsafeRawBufferPointer, Int, Int) throws -> Void) throws {
        guard index >= 0 && index < volumeCount else {
            throw VolumeError.volumeIndexOutOfRange(path: path, index: index, count: volumeCount)
        }
        let bytesPerVoxel = raw.datatype.byteCount
        let count = grid.voxelCount
        let reader = try ByteReader(path: dataPath, expectGzip: dataPath.hasSuffix(".gz"))
        defer { reader.close() }
        try reader.skip(raw.voxOffset + index * count * bytesPerVoxel, reportingAs: path)
        let chunkVoxels = NiftiFile.chunkBytes / bytesPerVoxel
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkVoxels * bytesPerVoxel, alignment: 16)
        defer { chunk.deallocate() }
        var done = 0
        while done < count {
            let n = min(chunkVoxels, count - done)
            let got = try reader.read(into: chunk.baseAddress!, count: n * bytesPerVoxel, reportingAs: path)
            guard got == n * bytesPerVoxel else {
                throw VolumeError.truncated(path: path, expectedBytes: count * bytesPerVoxel * volumeCount,
                                            actualBytes: (index * count + done) * bytesPerVoxel + got)
            }
            try body(UnsafeRawBufferPointer(rebasing: chunk[0..<got]), done, n)
            done += n
        }
    }
}

extension Affine {
    init(dmat: nifti_dmat44) {
        var values = [Double](repeating: 0, count: 16)
        withUnsafeBytes(of: dmat.m) { raw in
            let p = raw.bindMemory(to: Double.self)
            for n in 0..<16 { values[n] = p[n] }
        }
        values[12] = 0; values[13] = 0; values[14] = 0; values[15] = 1
        self.init(values: values)
    }
}

extension Volume {
    /// Reads one 3D volume of a NIfTI file (the first of a 4D series by default).
    public init(contentsOf path: String, volumeIndex: Int = 0) throws {
        self = try NiftiFile.open(path).readVolume(volumeIndex)
    }
}

extension LabelVolume {
    public init(contentsOf path: String) throws {
        self = try NiftiFile.open(path).readLabels()
    }
}
