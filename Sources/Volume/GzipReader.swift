// Sequential reads of plain or gzip-compressed files through zlib, with zlib's errors turned into typed ones.

import CNifti
import Foundation

final class GzipReader {
    private var file: gzFile?
    private let path: String

    init(path: String, expectGzip: Bool) throws {
        self.path = path
        if expectGzip {
            let magic = FileHandle(forReadingAtPath: path).flatMap { handle in
                defer { try? handle.close() }
                return try? handle.read(upToCount: 2)
            }
            guard let magic, magic.count == 2, magic[magic.startIndex] == 0x1f, magic[magic.startIndex + 1] == 0x8b else {
                throw VolumeError.corruptCompression(path: path, reason: "the file does not start with a gzip signature")
            }
        }
        guard let handle = gzopen(path, "rb") else {
            throw VolumeError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        // A large buffer roughly halves zlib's per-call overhead on big volumes.
        gzbuffer(handle, 1 << 20)
        file = handle
    }

    static func readPrefix(path: String, count: Int, expectGzip: Bool) throws -> [UInt8] {
        let reader = try GzipReader(path: path, expectGzip: expectGzip)
        defer { reader.close() }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try reader.read(into: $0.baseAddress!, count: count, reportingAs: path) }
        return Array(bytes.prefix(got))
    }

    /// Reads up to `count` bytes; fewer only at the end of the stream.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, reportingAs name: String) throws -> Int {
        var done = 0
        while done < count {
            let want = UInt32(min(count - done, 1 << 30))
            let got = gzread(file, buffer + done, want)
            if got < 0 { throw VolumeError.corruptCompression(path: name, reason: errorMessage()) }
            if got == 0 {
                var code: Int32 = 0
                _ = gzerror(file, &code)
                if code != Z_OK && code != Z_BUF_ERROR {
                    throw VolumeError.corruptCompression(path: name, reason: errorMessage())
                }
                if code == Z_BUF_ERROR {
                    throw VolumeError.corruptCompression(path: name, reason: "the compressed stream ends early")
                }
                break
            }
            done += Int(got)
        }
        return done
    }

    func skip(_ count: Int, reportingAs name: String) throws {
        guard count > 0 else { return }
        let position = gzseek(file, count, SEEK_SET)
        if position != count {
            throw VolumeError.truncated(path: name, expectedBytes: count, actualBytes: max(0, position))
        }
    }

    private func errorMessage() -> String {
        var code: Int32 = 0
        guard let message = gzerror(file, &code) else { return "unknown zlib error" }
        // zlib prefixes its messages with the path, which the error names already.
        let text = String(cString: message)
        return text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }

    func close() {
        if let file { gzclose(file) }
        file = nil
    }

    deinit { close() }
}
