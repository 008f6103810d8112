// Writes bytes as a .gz file through zlib's deflate. Large data is cut into parts compressed on all cores at
// once, each a complete gzip member; concatenated members are one valid gzip file that zlib (and so
// nifti_clib and ITK), Python's gzip (nibabel) and the gzip tool all read whole.

import CNifti
import Dispatch
import Foundation

enum GzipWriter {
    /// Below this, one member: splitting small data buys nothing.
    static let minimumPartBytes = 8 << 20

    static func write(header: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, level: Int, to path: String) throws {
        let total = header.count + data.count
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, total / minimumPartBytes))
        let partBytes = (total + parts - 1) / parts
        // The header and the data as one logical byte range, cut into parts.
        func slice(_ part: Int) -> [UnsafeRawBufferPointer] {
            let lo = part * partBytes, hi = min(total, lo + partBytes)
            var pieces: [UnsafeRawBufferPointer] = []
            if lo < header.count { pieces.append(UnsafeRawBufferPointer(rebasing: header[lo..<min(hi, header.count)])) }
            if hi > header.count {
                let a = max(lo, header.count) - header.count, b = hi - header.count
                pieces.append(UnsafeRawBufferPointer(rebasing: data[a..<b]))
            }
            return pieces
        }
        let pieces = UncheckedPieces(parts: (0..<parts).map(slice))
        let results = ResultSlots(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            results.set(part, compress(pieces.parts[part], level: level))
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        for part in 0..<parts {
            guard let member = results.get(part) else {
                throw VolumeError.writeFailed(path: path, reason: "zlib could not compress the data")
            }
            try member.withUnsafeBytes { try writeAll(fd, $0, path: path) }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let wrote = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            guard wrote > 0 else {
                throw VolumeError.writeFailed(path: path, reason: wrote < 0 ? String(cString: strerror(errno)) : "the disk took nothing")
            }
            done += wrote
        }
    }

    /// One complete gzip member holding the pieces in order.
    static func compress(_ pieces: [UnsafeRawBufferPointer], level: Int) -> [UInt8]? {
        var stream = z_stream()
        // 15 + 16: a gzip wrapper, the largest window; memLevel 8 as zlib's default.
        guard deflateInit2_(&stream, Int32(level), Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let inputBytes = pieces.reduce(0) { $0 + $1.count }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(inputBytes))) + 64)
        let ok = output.withUnsafeMutableBufferPointer { out -> Bool in
            stream.next_out = out.baseAddress
            stream.avail_out = UInt32(out.count)
            for (n, piece) in pieces.enumerated() {
                stream.next_in = UnsafeMutablePointer(mutating: piece.baseAddress?.assumingMemoryBound(to: UInt8.self))
                stream.avail_in = UInt32(piece.count)
                let flush = n == pieces.count - 1 ? Z_FINISH : Z_NO_FLUSH
                let result = deflate(&stream, flush)
                if flush == Z_FINISH ? result != Z_STREAM_END : result != Z_OK { return false }
            }
            if pieces.isEmpty { return deflate(&stream, Z_FINISH) == Z_STREAM_END }
            return true
        }
        guard ok else { return nil }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }
}

/// Read-only views of the caller's bytes, handed to the workers while the caller waits for them.
struct UncheckedPieces: @unchecked Sendable {
    let parts: [[UnsafeRawBufferPointer]]
}

/// Slots that concurrent workers fill, one each.
final class ResultSlots: @unchecked Sendable {
    private var slots: [[UInt8]?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: [UInt8]?) { lock.lock(); slots[index] = value; lock.unlock() }
    func get(_ index: Int) -> [UInt8]? { lock.lock(); defer { lock.unlock() }; return slots[index] }
}
