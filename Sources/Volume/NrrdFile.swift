// NRRD, as 3D Slicer reads and writes it: one attached header ("NRRD0004", `key: value` lines, a blank line) and
// the voxels, raw or gzip. Geometry travels as `space`, `space directions` and `space origin`; it is converted to
// and from the RAS+ affine the rest of the project uses, so a label written here lies where its image lies.

import CDeflate
import Foundation

public enum NrrdFile {
    /// A file is taken for NRRD by its name or its first bytes.
    public static func isNrrd(_ path: String) -> Bool {
        if path.lowercased().hasSuffix(".nrrd") { return true }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        return pread(fd, &magic, 4, 0) == 4 && magic == Array("NRRD".utf8)
    }

    /// The voxel types NRRD names (several spellings each, as its specification lists them).
    static let types: [String: VoxelType] = {
        var table: [String: VoxelType] = [:]
        let spellings: [(VoxelType, [String])] = [
            (.int8, ["signed char", "int8", "int8_t"]), (.uint8, ["uchar", "unsigned char", "uint8", "uint8_t"]),
            (.int16, ["short", "short int", "signed short", "signed short int", "int16", "int16_t"]),
            (.uint16, ["ushort", "unsigned short", "unsigned short int", "uint16", "uint16_t"]),
            (.int32, ["int", "signed int", "int32", "int32_t"]), (.uint32, ["uint", "unsigned int", "uint32", "uint32_t"]),
            (.int64, ["longlong", "long long", "long long int", "signed long long", "signed long long int", "int64", "int64_t"]),
            (.uint64, ["ulonglong", "unsigned long long", "unsigned long long int", "uint64", "uint64_t"]),
            (.float32, ["float"]), (.float64, ["double"]),
        ]
        for (type, names) in spellings { for name in names { table[name] = type } }
        return table
    }()

    /// Sign flips from a NRRD space to RAS+ (x, y, z).
    static let spaces: [String: [Double]] = [
        "right-anterior-superior": [1, 1, 1], "ras": [1, 1, 1],
        "left-anterior-superior": [-1, 1, 1], "las": [-1, 1, 1],
        "left-posterior-superior": [-1, -1, 1], "lps": [-1, -1, 1],
    ]

    /// Reads a 3D NRRD file as an image.
    public static func readVolume(_ path: String) throws -> Volume {
        let (grid, type, data, bigEndian) = try parse(path)
        let count = grid.voxelCount
        var voxels = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Float) {
                for n in 0..<count {
                    let value = raw.loadUnaligned(fromByteOffset: n * MemoryLayout<T>.size, as: T.self)
                    voxels[n] = convert(bigEndian ? T(bigEndian: value) : T(littleEndian: value))
                }
            }
            switch type {
            case .int8: load(Int8.self) { Float($0) }
            case .uint8: load(UInt8.self) { Float($0) }
            case .int16: load(Int16.self) { Float($0) }
            case .uint16: load(UInt16.self) { Float($0) }
            case .int32: load(Int32.self) { Float($0) }
            case .uint32: load(UInt32.self) { Float($0) }
            case .int64: load(Int64.self) { Float($0) }
            case .uint64: load(UInt64.self) { Float($0) }
            case .float32: load(UInt32.self) { Float(bitPattern: $0) }
            case .float64: load(UInt64.self) { Float(Double(bitPattern: $0)) }
            }
        }
        let header = ImageHeader(datatype: type, dims: grid.shape, zooms: grid.spacingMM)
        return Volume(grid: grid, voxels: voxels, header: header)
    }

    /// Reads a 3D NRRD file as a label map: values must be whole numbers in 0…65535.
    public static func readLabels(_ path: String) throws -> LabelVolume {
        let image = try readVolume(path)
        var labels = [UInt16](repeating: 0, count: image.voxels.count)
        for (n, v) in image.voxels.enumerated() {
            guard v >= 0 && v <= 65535 && v == v.rounded() else {
                throw VolumeError.invalidHeader(path: path, reason: "label value \(v) is not a whole number in 0…65535")
            }
            labels[n] = UInt16(v)
        }
        return LabelVolume(grid: image.grid, voxels: labels)
    }

    private static func parse(_ path: String) throws -> (Grid, VoxelType, Data, Bool) {
        func bad(_ reason: String) -> VolumeError { .invalidHeader(path: path, reason: reason) }
        let file = try WholeFile.read(path)
        guard file.starts(with: Data("NRRD000".utf8)) else { throw bad("not a NRRD file (it does not start with NRRD000)") }
        // The header ends at the first empty line.
        guard let end = file.firstRange(of: Data("\n\n".utf8)) else { throw bad("the header never ends (no empty line)") }
        guard let text = String(data: file[..<end.lowerBound], encoding: .utf8) else { throw bad("the header is not text") }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() where !line.hasPrefix("#") {
            // "key:=value" lines are free-form key/value pairs, not fields.
            guard let colon = line.range(of: ": "), !line[..<colon.lowerBound].hasSuffix(":") else { continue }
            fields[line[..<colon.lowerBound].trimmingCharacters(in: .whitespaces).lowercased()] =
                line[colon.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        if fields["data file"] != nil || fields["datafile"] != nil { throw bad("detached data files are not read; save the NRRD with its data attached") }
        guard let typeName = fields["type"], let type = types[typeName.lowercased()] else { throw bad("unknown or missing type \"\(fields["type"] ?? "")\"") }
        guard fields["dimension"] == "3" else { throw bad("dimension \(fields["dimension"] ?? "missing"); only 3D volumes are read") }
        let sizes = (fields["sizes"] ?? "").split(separator: " ").compactMap { Int($0) }
        guard sizes.count == 3, sizes.allSatisfy({ $0 > 0 }) else { throw bad("sizes must be three positive whole numbers") }
        let count = sizes[0].multipliedReportingOverflow(by: sizes[1])
        let total = count.overflow ? nil : Optional(count.partialValue).flatMap { c in
            let t = c.multipliedReportingOverflow(by: sizes[2]); return t.overflow ? nil : t.partialValue
        }
        try MemoryBudget.check(total, of: MemoryLayout<Float>.size + type.byteCount, reading: path)
        let bigEndian = fields["endian"]?.lowercased() == "big"

        var affine = Affine.identity
        if let directions = fields["space directions"] {
            let vectors = try vectorList(directions, bad: bad)
            guard vectors.count == 3, vectors.allSatisfy({ $0.count == 3 }) else { throw bad("space directions must be three vectors of three numbers") }
            guard let spaceName = fields["space"]?.lowercased(), let flips = spaces[spaceName] else {
                throw bad("space \"\(fields["space"] ?? "missing")\" is not one of right-anterior-superior, left-anterior-superior, left-posterior-superior")
            }
            let origin = try fields["space origin"].map { try vectorList($0, bad: bad).first ?? [] } ?? [0, 0, 0]
            guard origin.count == 3 else { throw bad("space origin must be one vector of three numbers") }
            var rows = [[Double]](repeating: [0, 0, 0, 0], count: 4)
            for r in 0..<3 {
                for c in 0..<3 { rows[r][c] = flips[r] * vectors[c][r] }
                rows[r][3] = flips[r] * origin[r]
            }
            rows[3] = [0, 0, 0, 1]
            affine = Affine(rows: rows)
        } else if let spacings = fields["spacings"] {
            let values = spacings.split(separator: " ").compactMap { Double($0) }
            guard values.count == 3, values.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw bad("spacings must be three positive numbers") }
            affine = Affine.scaling(values[0], values[1], values[2])
        }
        guard affine.determinant3.isFinite, abs(affine.determinant3) > 1e-12 else { throw bad("the space directions are degenerate") }

        let expected = total! * type.byteCount
        let payload = file[end.upperBound...]
        let data: Data
        switch fields["encoding"]?.lowercased() {
        case "raw": data = Data(payload)
        case "gzip", "gz": data = try gunzip(payload, expected: expected, path: path)
        default: throw bad("encoding \"\(fields["encoding"] ?? "missing")\" is not raw or gzip")
        }
        guard data.count >= expected else { throw VolumeError.truncated(path: path, expectedBytes: expected, actualBytes: data.count) }
        return (Grid(shape: sizes, affine: affine), type, data, bigEndian)
    }

    /// "(1,0,0) (0,1,0) none" → vectors (a "none" entry, a non-spatial axis, is refused by the caller's count).
    private static func vectorList(_ text: String, bad: (String) -> VolumeError) throws -> [[Double]] {
        var vectors: [[Double]] = []
        for group in text.split(separator: ")") {
            let inner = group.trimmingCharacters(in: .whitespaces)
            if inner == "none" || inner.isEmpty { continue }
            guard inner.hasPrefix("(") else { throw bad("\"\(text)\" is not a list of (x,y,z) vectors") }
            let numbers = inner.dropFirst().split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.allSatisfy({ $0?.isFinite == true }) else { throw bad("\"\(text)\" holds something that is not a number") }
            vectors.append(numbers.map { $0! })
        }
        return vectors
    }

    /// Inflates gzip members until `expected` bytes came out.
    private static func gunzip(_ compressed: Data, expected: Int, path: String) throws -> Data {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw VolumeError.unreadable(path: path, reason: "no memory for the decompressor")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        var output = Data(count: expected)
        var produced = 0, consumed = 0
        try compressed.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { out in
                while produced < expected && consumed < input.count {
                    var inUsed = 0, outUsed = 0
                    let result = libdeflate_gzip_decompress_ex(decompressor, input.baseAddress! + consumed, input.count - consumed,
                                                               out.baseAddress! + produced, expected - produced, &inUsed, &outUsed)
                    guard result == LIBDEFLATE_SUCCESS else {
                        let reason = result == LIBDEFLATE_INSUFFICIENT_SPACE ? "more data than the header's sizes promise" : "the gzip stream is damaged"
                        throw VolumeError.corruptCompression(path: path, reason: reason)
                    }
                    consumed += inUsed
                    produced += outUsed
                }
            }
        }
        guard produced == expected else { throw VolumeError.truncated(path: path, expectedBytes: expected, actualBytes: produced) }
        return output
    }

    /// The header of a 3D volume of `type` on `grid`, in Slicer's RAS convention.
    static func header(grid: Grid, type: String, gzip: Bool) -> String {
        func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        let a = grid.affine
        let directions = (0..<3).map { c in "(" + (0..<3).map { r in number(a[r, c]) }.joined(separator: ",") + ")" }
        return """
            NRRD0004
            # TermLabel
            type: \(type)
            dimension: 3
            space: right-anterior-superior
            sizes: \(grid.shape.map(String.init).joined(separator: " "))
            space directions: \(directions.joined(separator: " "))
            kinds: domain domain domain
            endian: little
            encoding: \(gzip ? "gzip" : "raw")
            space origin: (\((0..<3).map { number(a[$0, 3]) }.joined(separator: ",")))


            """
    }
}

extension LabelVolume {
    /// Writes the label map as NRRD (uint8 when every label fits, else uint16; gzip unless `compressed` is false),
    /// atomically.
    public func writeNrrd(to path: String, compressed: Bool = true) throws {
        let wide = voxels.contains { $0 > 255 }
        var data = Data(count: voxels.count * (wide ? 2 : 1))
        data.withUnsafeMutableBytes { raw in
            if wide {
                let p = raw.bindMemory(to: UInt16.self)
                for n in voxels.indices { p[n] = voxels[n].littleEndian }
            } else {
                let p = raw.bindMemory(to: UInt8.self)
                for n in voxels.indices { p[n] = UInt8(truncatingIfNeeded: voxels[n]) }
            }
        }
        if compressed {
            guard let member = data.withUnsafeBytes({ GzipWriter.compress($0, level: 1) }) else {
                throw VolumeError.writeFailed(path: path, reason: "the data could not be compressed")
            }
            data = Data(member)
        }
        var file = Data(NrrdFile.header(grid: grid, type: wide ? "uint16" : "uint8", gzip: compressed).utf8)
        file.append(data)
        try AtomicFile.write(file, to: path)
    }

    /// Reads a label map from NIfTI or NRRD (by its name or first bytes).
    public init(contentsOfAnyFormat path: String) throws {
        self = NrrdFile.isNrrd(path) ? try NrrdFile.readLabels(path) : try LabelVolume(contentsOf: path)
    }
}
