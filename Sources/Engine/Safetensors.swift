// Weights by name in the safetensors format (8-byte little-endian header length, a JSON header of
// name → dtype, shape and byte offsets, then the raw little-endian data), so that state dicts move between
// PyTorch/MONAI and the engine. Shapes are kept as PyTorch writes them.

import Foundation

public struct NamedTensor: Sendable {
    public var name: String
    /// The shape as PyTorch has it (a bias is [C], a 2D conv weight [Cout, Cin, kh, kw]).
    public var shape: [Int]
    public var tensor: Tensor

    public init(name: String, shape: [Int], tensor: Tensor) {
        self.name = name
        self.shape = shape
        self.tensor = tensor
    }
}

public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case mismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): not a safetensors file: \(reason)"
        case .mismatch(let path, let reason): "\(path): \(reason)"
        }
    }
}

public enum Safetensors {
    /// Every tensor of a file, F32 (F64 and F16 are converted), with the file's metadata.
    public static func read(_ path: String) throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw SafetensorsError.unreadable(path: path, reason: "cannot read") }
        guard data.count >= 8 else { throw SafetensorsError.unreadable(path: path, reason: "shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw SafetensorsError.unreadable(path: path, reason: "header length \(headerLength) beyond the file's \(data.count) bytes")
        }
        let body = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<body)) as? [String: Any] else {
            throw SafetensorsError.unreadable(path: path, reason: "header is not a JSON object")
        }
        var tensors: [NamedTensor] = []
        var metadata: [String: String] = [:]
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String, let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw SafetensorsError.unreadable(path: path, reason: "entry \(name) lacks dtype, shape or data_offsets")
            }
            // Checked arithmetic: a hostile shape must not trap; the offsets then say whether the file holds it.
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow else {
                    throw SafetensorsError.unreadable(path: path, reason: "\(name): shape \(shape) is no tensor's")
                }
                count = product
            }
            let width = ["F32": 4, "F64": 8, "F16": 2][dtype]
            guard let width else { throw SafetensorsError.mismatch(path: path, reason: "\(name) is \(dtype); F32, F64 or F16 expected") }
            let (size, sizeOverflow) = count.multipliedReportingOverflow(by: width)
            let (span, spanOverflow) = offsets[1].subtractingReportingOverflow(offsets[0])
            let (end, endOverflow) = body.addingReportingOverflow(offsets[1])
            guard !sizeOverflow, !spanOverflow, !endOverflow, offsets[0] >= 0, span == size, end <= data.count else {
                throw SafetensorsError.unreadable(path: path, reason: "\(name): offsets \(offsets) do not fit \(count) \(dtype) values")
            }
            let bytes = data.subdata(in: body + offsets[0]..<body + offsets[1])
            let values: [Float] = bytes.withUnsafeBytes { raw in
                (0..<count).map { n in
                    switch dtype {
                    case "F32": Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: n * 4, as: UInt32.self)))
                    case "F64": Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: n * 8, as: UInt64.self))))
                    default: Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: n * 2, as: UInt16.self))))
                    }
                }
            }
            tensors.append(NamedTensor(name: name, shape: shape, tensor: Tensor(shape: shape.count <= 5 ? shape : [count], data: values)))
        }
        return (tensors, metadata)
    }

    /// Writes tensors as F32 (or F16, half the size: for weights that ship), in the order given, through a
    /// temporary file renamed into place.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], halfPrecision: Bool = false,
                             to path: String) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        let width = halfPrecision ? 2 : 4
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": halfPrecision ? "F16" : "F32", "shape": t.shape, "data_offsets": [offset, offset + t.tensor.count * width]]
            offset += t.tensor.count * width
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // The data starts 8-byte aligned.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors {
            t.tensor.data.withUnsafeBufferPointer { values in
                if halfPrecision {
                    for v in values { withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { out.append(contentsOf: $0) } }
                } else {
                    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
                }
            }
        }
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: out) else {
            throw SafetensorsError.unreadable(path: path, reason: "cannot write \(temporary)")
        }
        if rename(temporary, path) != 0 {
            unlink(temporary)
            throw SafetensorsError.unreadable(path: path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
        }
    }
}
