// Writes bytes as a .gz file. Large data is cut into parts compressed on all cores at once by libdeflate,
// each a complete gzip member (the header is a member of its own); concatenated members are one valid gzip
// file that zlib (and so nifti_clib and ITK), Python's gzip (nibabel) and the gzip tool all read whole.

import CDeflate
import Dispatch
import Foundation
import Parallelism

enum GzipWriter {
    /// Below this, one member: splitting small data buys nothing.
    static let minimumPartBytes = 8 << 20

    static func write(header: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, level: Int, to path: String) throws {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, data.count / minimumPartBytes))
        let partBytes = (data.count + parts - 1) / parts
        let pieces = UncheckedBox([header] + (0..<parts).map { part in
            let lo = min(data.count, part * partBytes), hi = min(data.count, lo + partBytes)
            return UnsafeRawBufferPointer(rebasing: data[lo..<hi])
        })
        let results = ResultSlots(count: pieces.value.count)
        DispatchQueue.concurrentPerform(iterations: pieces.value.count) { part in
            results.set(part, compress(pieces.value[part], level: level))
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        for part in 0..<pieces.value.count {
            guard let member = results.get(part) else {
                throw VolumeError.writeFailed(path: path, reason: "the data could not be compressed")
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

    /// One complete gzip member.
    static func compress(_ bytes: UnsafeRawBufferPointer, level: Int) -> [UInt8]? {
        guard let compressor = libdeflate_alloc_compressor(Int32(level)) else { return nil }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_gzip_compress_bound(compressor, bytes.count)
        var output = [UInt8](repeating: 0, count: bound)
        let size = output.withUnsafeMutableBytes { out in
            libdeflate_gzip_compress(compressor, bytes.baseAddress, bytes.count, out.baseAddress, bound)
        }
        guard size > 0 else { return nil }
        output.removeLast(output.count - size)
        return output
    }
}

/// Slots that concurrent workers fill, one each.
final class ResultSlots: @unchecked Sendable {
    private var slots: [[UInt8]?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: [UInt8]?) { lock.lock(); slots[index] = value; lock.unlock() }
    func get(_ index: Int) -> [UInt8]? { lock.lock(); defer { lock.unlock() }; return slots[index] }
}
