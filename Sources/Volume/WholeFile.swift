// A whole file's bytes with the reason it cannot be read (no such file, a folder, the system's word), where
// Foundation's reader says only that it failed.

import Foundation

enum WholeFile {
    /// The file's bytes, read with POSIX calls (its size checked against the memory budget first).
    static func read(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw VolumeError.fileNotFound(path: path) }
            throw VolumeError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw VolumeError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw VolumeError.unreadable(path: path, reason: "it is a folder") }
        try MemoryBudget.check(Int(info.st_size), of: 1, reading: path)
        var data = Data(count: Int(info.st_size))
        let got = data.withUnsafeMutableBytes { buffer -> Int in
            var done = 0
            while done < buffer.count {
                let n = Foundation.read(fd, buffer.baseAddress! + done, buffer.count - done)
                if n <= 0 { return n < 0 ? -1 : done }
                done += n
            }
            return done
        }
        guard got >= 0 else { throw VolumeError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        return data.prefix(got)
    }
}
