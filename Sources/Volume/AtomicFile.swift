// Atomic replacement of a file: write a temporary file in the same folder, fsync it, rename it over the
// target, fsync the folder. A crash at any point leaves either the old file or the new one, never half.

import Foundation

public enum AtomicFile {
    /// Calls `write` with a temporary path that ends like `path` (so writers pick the same format), then
    /// moves it into place. The temporary file is removed if `write` throws.
    public static func replace(_ path: String, write: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let temporary = folder + "/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp-" + name
        do {
            try write(temporary)
            try sync(temporary)
            guard rename(temporary, path) == 0 else {
                throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            try? sync(folder)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Writes bytes atomically.
    public static func write(_ data: Data, to path: String) throws {
        try replace(path) { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: data) else {
                throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }
}
