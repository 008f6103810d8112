// Sequential reads of a plain or gzip-compressed file. Gzip goes through zlib's inflate straight into the
// caller's buffer, member after member (so files written in parallel members read back), with zlib's errors
// turned into typed ones. This is the whole cost of loading a .nii.gz, hence no intermediate copies.

import CNifti
import Foundation

final class ByteReader {
    private let path: String
    private var fd: Int32
    let isGzip: Bool
    private var stream = z_stream()
    private var streamOpen = false
    private let inputCapacity = 4 << 20
    private let input: UnsafeMutablePointer<UInt8>
    private var inputEnded = false

    /// Opens `path`; gzip is recognised by its signature. `expectGzip` (a .gz name) makes a missing signature an error.
    init(path: String, expectGzip: Bool) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        fd = descriptor
        guard descriptor >= 0 else { throw VolumeError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        input = .allocate(capacity: inputCapacity)
        var magic: (UInt8, UInt8) = (0, 0)
        let got = withUnsafeMutableBytes(of: &magic) { pread(descriptor, $0.baseAddress, 2, 0) }
        isGzip = got == 2 && magic.0 == 0x1f && magic.1 == 0x8b
        if expectGzip && !isGzip {
            close()
            throw VolumeError.corruptCompression(path: path, reason: "the file does not start with a gzip signature")
        }
        if isGzip {
            // 15 + 16: a gzip wrapper, the largest window.
            guard inflateInit2_(&stream, 31, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                close()
                throw VolumeError.unreadable(path: path, reason: "zlib could not start")
            }
            streamOpen = true
        }
    }

    static func readPrefix(path: String, count: Int, expectGzip: Bool) throws -> [UInt8] {
        let reader = try ByteReader(path: path, expectGzip: expectGzip)
        defer { reader.close() }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try reader.read(into: $0.baseAddress!, count: count, reportingAs: path) }
        return Array(bytes.prefix(got))
    }

    /// Reads up to `count` bytes; fewer only at the end of the data.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, reportingAs name: String) throws -> Int {
        guard isGzip else { return try readPlain(into: buffer, count: count, reportingAs: name) }
        var produced = 0
        while produced < count && !finished {
            if stream.avail_in == 0 && !inputEnded { try refill() }
            if stream.avail_in == 0 && inputEnded {
                throw VolumeError.corruptCompression(path: name, reason: "the compressed stream ends early")
            }
            let want = min(count - produced, Int(UInt32.max / 2))
            stream.next_out = (buffer + produced).assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(want)
            let result = inflate(&stream, Z_NO_FLUSH)
            produced += want - Int(stream.avail_out)
            switch result {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                // Another member may follow (parallel writers, pigz, bgzip); anything else after the end is
                // padding, which gzip itself ignores too.
                if stream.avail_in == 0 && !inputEnded { try refill() }
                if stream.avail_in >= 2 && stream.next_in[0] == 0x1f && stream.next_in[1] == 0x8b {
                    inflateReset(&stream)
                } else {
                    finished = true
                }
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                throw VolumeError.corruptCompression(path: name, reason: message)
            }
        }
        return produced
    }

    /// The last member has ended.
    private var finished = false

    private func refill() throws {
        let got = Foundation.read(fd, input, inputCapacity)
        guard got >= 0 else { throw VolumeError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        if got == 0 { inputEnded = true }
        stream.next_in = input
        stream.avail_in = UInt32(got)
    }

    private func readPlain(into buffer: UnsafeMutableRawPointer, count: Int, reportingAs name: String) throws -> Int {
        var done = 0
        while done < count {
            let got = Foundation.read(fd, buffer + done, min(count - done, 1 << 30))
            guard got >= 0 else { throw VolumeError.unreadable(path: name, reason: String(cString: strerror(errno))) }
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// Skips `count` bytes of data from the current position.
    func skip(_ count: Int, reportingAs name: String) throws {
        guard count > 0 else { return }
        if !isGzip {
            let position = lseek(fd, off_t(count), SEEK_CUR)
            guard position >= 0 else { throw VolumeError.unreadable(path: name, reason: String(cString: strerror(errno))) }
            return
        }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { scratch.deallocate() }
        var left = count
        while left > 0 {
            let got = try read(into: scratch, count: min(left, 1 << 20), reportingAs: name)
            if got == 0 { throw VolumeError.truncated(path: name, expectedBytes: count, actualBytes: count - left) }
            left -= got
        }
    }

    func close() {
        if streamOpen { inflateEnd(&stream); streamOpen = false }
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
    }

    deinit {
        close()
        input.deallocate()
    }
}
