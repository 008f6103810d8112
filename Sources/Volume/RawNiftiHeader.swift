// The handful of NIfTI header fields checked before nifti_clib sees a file, read straight from the bytes.
// nifti_clib accepts some impossible headers and reports problems only on stderr; these checks turn every
// problem into a typed error that names the file, before anything is allocated for the voxel data.

import Foundation

struct RawNiftiHeader {
    var version: Int
    var swapped: Bool
    /// dim[1...dim[0]] as stored (nibabel's shape).
    var dims: [Int]
    /// pixdim[1...dim[0]] as stored (nibabel's zooms).
    var pixdim: [Double]
    var datatype: VoxelType
    var voxOffset: Int
    var sclSlope: Double
    var sclInter: Double
    /// "n+1"/"n+2" for a single file, "ni1"/"ni2" for a .hdr/.img pair.
    var isSingleFile: Bool

    /// Bytes of voxel data for every volume of the file; nil when the count overflows.
    var dataByteCount: Int? {
        var total = datatype.byteCount
        for d in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    static let nifti1Size = 348
    static let nifti2Size = 540

    /// Parses the first bytes of a file (at least 348; 540 for NIfTI-2).
    init(bytes: [UInt8], path: String) throws {
        guard !bytes.isEmpty else { throw VolumeError.notNifti(path: path, reason: "the file is empty") }
        guard bytes.count >= RawNiftiHeader.nifti1Size else {
            throw VolumeError.notNifti(path: path, reason: "only \(bytes.count) bytes, shorter than a NIfTI header")
        }
        let sizeField = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        switch (Int(sizeField), Int(sizeField.byteSwapped)) {
        case (RawNiftiHeader.nifti1Size, _): (version, swapped) = (1, false)
        case (_, RawNiftiHeader.nifti1Size): (version, swapped) = (1, true)
        case (RawNiftiHeader.nifti2Size, _): (version, swapped) = (2, false)
        case (_, RawNiftiHeader.nifti2Size): (version, swapped) = (2, true)
        default:
            throw VolumeError.notNifti(path: path, reason: "header size field is \(sizeField), expected 348 or 540")
        }
        if version == 2 && bytes.count < RawNiftiHeader.nifti2Size {
            throw VolumeError.notNifti(path: path, reason: "only \(bytes.count) bytes, shorter than a NIfTI-2 header")
        }
        let magicOffset = version == 1 ? 344 : 4
        let magic = Array(bytes[magicOffset..<magicOffset + 4])
        let tag = UInt8(ascii: version == 1 ? "1" : "2")
        switch magic {
        case [UInt8(ascii: "n"), UInt8(ascii: "+"), tag, 0]: isSingleFile = true
        case [UInt8(ascii: "n"), UInt8(ascii: "i"), tag, 0]: isSingleFile = false
        default:
            let shown = magic.map { (0x20..<0x7f).contains($0) ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }
            throw VolumeError.notNifti(path: path, reason: "bad magic \"\(shown.joined())\", expected \"n+\(version)\"")
        }

        let swap = swapped
        func i16(_ o: Int) -> Int {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: Int16.self) }
            return Int(swap ? v.byteSwapped : v)
        }
        func i64(_ o: Int) -> Int {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: Int64.self) }
            return Int(swap ? v.byteSwapped : v)
        }
        func f32(_ o: Int) -> Double {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt32.self) }
            return Double(Float(bitPattern: swap ? v.byteSwapped : v))
        }
        func f64(_ o: Int) -> Double {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt64.self) }
            return Double(bitPattern: swap ? v.byteSwapped : v)
        }

        let dim: [Int], pix: [Double], code: Int
        if version == 1 {
            dim = (0..<8).map { i16(40 + 2 * $0) }
            pix = (0..<8).map { f32(76 + 4 * $0) }
            code = i16(70)
            let offset = f32(108)
            voxOffset = offset.isFinite && offset >= 0 && offset < 1e12 ? Int(offset) : -1
            sclSlope = f32(112)
            sclInter = f32(116)
        } else {
            dim = (0..<8).map { i64(16 + 8 * $0) }
            pix = (0..<8).map { f64(104 + 8 * $0) }
            code = i16(12)
            voxOffset = i64(168)
            sclSlope = f64(176)
            sclInter = f64(184)
        }
        guard (1...7).contains(dim[0]) else {
            throw VolumeError.invalidHeader(path: path, reason: "dim[0] is \(dim[0]), expected 1 to 7")
        }
        for axis in 1...dim[0] where dim[axis] < 1 {
            throw VolumeError.invalidHeader(path: path, reason: "dim[\(axis)] is \(dim[axis])")
        }
        dims = Array(dim[1...dim[0]])
        pixdim = Array(pix[1...dim[0]])
        guard let type = VoxelType(rawValue: Int32(code)) else {
            throw VolumeError.unsupportedDatatype(path: path, code: code)
        }
        datatype = type
        if isSingleFile && voxOffset < (version == 1 ? RawNiftiHeader.nifti1Size : RawNiftiHeader.nifti2Size) {
            // nibabel and nifti_clib treat a too-small offset of a single file as "right after the header".
            voxOffset = version == 1 ? 352 : 544
        }
        if !isSingleFile { voxOffset = max(voxOffset, 0) }
        guard dataByteCount != nil else {
            throw VolumeError.invalidHeader(path: path, reason: "dimensions \(dims) overflow any file size")
        }
    }

    /// nibabel's rule: a slope of 0 or NaN means no scaling; a NaN intercept means 0.
    var effectiveScaling: (slope: Double, inter: Double) {
        if sclSlope == 0 || !sclSlope.isFinite { return (1, 0) }
        return (sclSlope, sclInter.isFinite ? sclInter : 0)
    }
}
