// Writing images and label maps, on the grid of their source (affine, both codes, quaternion, units),
// atomically. The header is built by nifti_clib. `.nii.gz` is written at gzip level 1 by default: a
// 512×512×300 volume takes seconds instead of the 15–20 s of the default level, for a file a few per cent larger.

import CNifti
import Dispatch
import Foundation
import Parallelism

enum NiftiWriter {
    /// Encodes `count` voxels of `datatype` into little-endian bytes held by `fill`, and writes the file.
    static func write(path: String, grid: Grid, datatype: VoxelType, niftiVersion: Int = 1, slope: Double = 1,
                      inter: Double = 0, description: String = "", compressionLevel: Int = 1,
                      fill: (UnsafeMutableRawPointer) -> Void) throws {
        let ext = path.hasSuffix(".nii.gz") ? ".nii.gz" : path.hasSuffix(".nii") ? ".nii" : nil
        guard ext != nil else {
            throw VolumeError.writeFailed(path: path, reason: "the name must end in .nii or .nii.gz")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw VolumeError.writeFailed(path: path, reason: "the folder \(folder) does not exist")
        }
        let byteCount = grid.voxelCount * datatype.byteCount
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
        defer { buffer.deallocate() }
        fill(buffer)

        try AtomicFile.replace(path) { temporary in
            var dims: [Int64] = [3, Int64(grid.shape[0]), Int64(grid.shape[1]), Int64(grid.shape[2]), 1, 1, 1, 1]
            guard let nim = nifti_make_new_nim(&dims, Int32(datatype.niftiCode), 0) else {
                throw VolumeError.writeFailed(path: path, reason: "nifti_clib could not make a header")
            }
            defer { nifti_image_free(nim) }
            apply(grid.geometry, spacing: grid.spacingMM, to: nim)
            nim.pointee.scl_slope = slope
            nim.pointee.scl_inter = inter
            withUnsafeMutableBytes(of: &nim.pointee.descrip) { raw in
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                raw.copyBytes(from: Array(description.utf8.prefix(79)))
            }
            // nifti_clib builds the header; the bytes are written here, because its own writer reports errors
            // only on stderr, writes single-file NIfTI-2 as a broken pair and compresses on one core.
            let version = niftiVersion == 2 || grid.shape.contains { $0 > 32767 } ? 2 : 1
            nim.pointee.nifti_type = version == 2 ? 4 : 1  // NIFTI_FTYPE_NIFTI2_1 : NIFTI_FTYPE_NIFTI1_1
            nim.pointee.iname_offset = version == 2 ? 544 : 352
            var header = [UInt8](repeating: 0, count: version == 2 ? 544 : 352)  // header + 4 empty extension bytes
            let converted = header.withUnsafeMutableBytes { raw in
                version == 2
                    ? nifti_convert_nim2n2hdr(nim, raw.baseAddress!.assumingMemoryBound(to: nifti_2_header.self))
                    : nifti_convert_nim2n1hdr(nim, raw.baseAddress!.assumingMemoryBound(to: nifti_1_header.self))
            }
            guard converted == 0 else {
                throw VolumeError.writeFailed(path: path, reason: "nifti_clib could not build the header")
            }
            let bytes = UnsafeRawBufferPointer(start: buffer, count: byteCount)
            try header.withUnsafeBytes { headerBytes in
                if ext == ".nii.gz" {
                    try GzipWriter.write(header: headerBytes, data: bytes, level: min(max(compressionLevel, 1), 9), to: temporary)
                } else {
                    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                    guard fd >= 0 else { throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
                    defer { close(fd) }
                    try GzipWriter.writeAll(fd, headerBytes, path: path)
                    try GzipWriter.writeAll(fd, bytes, path: path)
                }
            }
        }
    }

    private static func apply(_ g: NiftiGeometry, spacing: [Double], to nim: UnsafeMutablePointer<nifti_image>) {
        nim.pointee.qform_code = g.qformCode
        nim.pointee.sform_code = g.sformCode
        nim.pointee.quatern_b = g.quaternB
        nim.pointee.quatern_c = g.quaternC
        nim.pointee.quatern_d = g.quaternD
        nim.pointee.qoffset_x = g.qoffsetX
        nim.pointee.qoffset_y = g.qoffsetY
        nim.pointee.qoffset_z = g.qoffsetZ
        nim.pointee.qfac = g.qfac < 0 ? -1 : 1
        let pixdim = g.pixdim.count == 3 ? g.pixdim : spacing
        nim.pointee.dx = pixdim[0]
        nim.pointee.dy = pixdim[1]
        nim.pointee.dz = pixdim[2]
        withUnsafeMutableBytes(of: &nim.pointee.pixdim) { raw in
            let p = raw.bindMemory(to: Double.self)
            p[0] = g.qfac < 0 ? -1 : 1
            p[1] = pixdim[0]; p[2] = pixdim[1]; p[3] = pixdim[2]
        }
        withUnsafeMutableBytes(of: &nim.pointee.sto_xyz.m) { raw in
            let p = raw.bindMemory(to: Double.self)
            for n in 0..<16 { p[n] = g.sform.values[n] }
        }
        nim.pointee.xyz_units = g.xyzUnits
        nim.pointee.time_units = g.timeUnits
    }

    static func encode<T: FixedWidthInteger & Sendable>(_ values: UnsafeBufferPointer<Float>, into target: UnsafeMutableRawPointer,
                                                        as _: T.Type, slope: Double, inter: Double) {
        let p = UncheckedBox(target.bindMemory(to: T.self, capacity: values.count))
        let source = UncheckedBox(UnsafeMutablePointer(mutating: values.baseAddress!))
        let lo = Double(T.min), hi = Double(T.max), count = values.count
        // Spread over the cores: on a 512×512×300 volume this is a visible share of a save.
        let parts = Swift.max(1, Swift.min(16, count / (1 << 20)))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = part * count / parts..<(part + 1) * count / parts
            if T.bitWidth <= 16 {
                // Float holds every value of these types exactly, and its loop vectorises.
                let scale = Float(1 / slope), shift = Float(-inter / slope), flo = Float(lo), fhi = Float(hi)
                for n in range {
                    let v = (source.value[n] * scale + shift).rounded(.toNearestOrEven)
                    p.value[n] = T(v.isNaN ? 0 : Swift.min(fhi, Swift.max(flo, v))).littleEndian
                }
            } else {
                for n in range {
                    let v = ((Double(source.value[n]) - inter) / slope).rounded()
                    p.value[n] = T(v.isNaN ? 0 : Swift.min(hi, Swift.max(lo, v))).littleEndian
                }
            }
        }
    }
}

extension Volume {
    /// Writes this volume as a NIfTI file on its grid. The datatype (and scaling) of the source file is kept
    /// unless another is asked for; integer types are rounded and clamped. `.nii.gz` is compressed at
    /// `compressionLevel` (1 = fastest, 9 = smallest).
    public func write(to path: String, datatype: VoxelType? = nil, compressionLevel: Int = 1) throws {
        let type = datatype ?? header.datatype
        let keepScaling = datatype == nil || datatype == header.datatype
        let slope = keepScaling && type.isInteger ? header.sclSlope : 1
        let inter = keepScaling && type.isInteger ? header.sclInter : 0
        try voxels.withUnsafeBufferPointer { values in
            try NiftiWriter.write(path: path, grid: grid, datatype: type, niftiVersion: header.niftiVersion,
                                  slope: slope, inter: inter, description: header.description,
                                  compressionLevel: compressionLevel) { target in
                switch type {
                case .uint8: NiftiWriter.encode(values, into: target, as: UInt8.self, slope: slope, inter: inter)
                case .int8: NiftiWriter.encode(values, into: target, as: Int8.self, slope: slope, inter: inter)
                case .int16: NiftiWriter.encode(values, into: target, as: Int16.self, slope: slope, inter: inter)
                case .uint16: NiftiWriter.encode(values, into: target, as: UInt16.self, slope: slope, inter: inter)
                case .int32: NiftiWriter.encode(values, into: target, as: Int32.self, slope: slope, inter: inter)
                case .uint32: NiftiWriter.encode(values, into: target, as: UInt32.self, slope: slope, inter: inter)
                case .int64: NiftiWriter.encode(values, into: target, as: Int64.self, slope: slope, inter: inter)
                case .uint64: NiftiWriter.encode(values, into: target, as: UInt64.self, slope: slope, inter: inter)
                case .float32:
                    let p = target.bindMemory(to: UInt32.self, capacity: values.count)
                    for n in 0..<values.count { p[n] = values[n].bitPattern.littleEndian }
                case .float64:
                    let p = target.bindMemory(to: UInt64.self, capacity: values.count)
                    for n in 0..<values.count { p[n] = Double(values[n]).bitPattern.littleEndian }
                }
            }
        }
    }
}

extension LabelVolume {
    /// Writes the label map on its grid (the source image's affine and codes), as uint8 when every label fits.
    public func write(to path: String) throws {
        let wide = voxels.contains { $0 > 255 }
        try voxels.withUnsafeBufferPointer { values in
            try NiftiWriter.write(path: path, grid: grid, datatype: wide ? .uint16 : .uint8,
                                  description: "TermLabel label map") { target in
                if wide {
                    let p = target.bindMemory(to: UInt16.self, capacity: values.count)
                    for n in 0..<values.count { p[n] = values[n].littleEndian }
                } else {
                    let p = target.bindMemory(to: UInt8.self, capacity: values.count)
                    for n in 0..<values.count { p[n] = UInt8(truncatingIfNeeded: values[n]) }
                }
            }
        }
    }
}
