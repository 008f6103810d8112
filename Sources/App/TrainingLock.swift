// One training at a time per study folder, whichever process starts it (the app's `t`, `termlabel train`, the
// server's /train/): an exclusive lock on a file in the study list's folder, released when the run ends or its
// process dies, since the kernel drops a dead process's locks.

import Datastore
import Foundation

public struct TrainingBusy: Error, CustomStringConvertible {
    public let folder: String
    /// The process that holds the lock, as it wrote itself into the file.
    public let holder: String

    public var description: String {
        "a training already runs on \(folder) (\(holder.isEmpty ? "another process" : holder)); one at a time per folder"
    }
}

public final class TrainingLock {
    private let fd: Int32

    /// Takes the folder's lock, or throws `TrainingBusy` naming who holds it.
    init(database: AppDatabase) throws {
        let path = database.location.dataFolder + "/training.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrainingBusy(folder: database.location.folder, holder: "the lock file cannot be opened: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var text = [UInt8](repeating: 0, count: 200)
            let got = pread(fd, &text, text.count, 0)
            close(fd)
            let holder = got > 0 ? String(decoding: text[0..<got], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw TrainingBusy(folder: database.location.folder, holder: holder)
        }
        let me = Annotator.current
        let text = "pid \(me.pid) of \(me.user)@\(me.host)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
    }

    /// Throws `TrainingBusy` if a training runs on the folder now (the lock is taken and let go at once).
    public static func probe(database: AppDatabase) throws {
        _ = try TrainingLock(database: database)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
