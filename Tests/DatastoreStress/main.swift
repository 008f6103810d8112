// A child process for the study-list tests that need a second process:
//   datastore-stress journal FOLDER IMAGE_ID SEED COUNT   journals a seeded sequence of draft edits, printing each
//       one's number once `journal` has returned, so that a test can kill it at any moment and check that every
//       reported edit survived and the draft rebuilds exactly;
//   datastore-stress claim FOLDER IMAGE_ID USER SECONDS   claims a study as USER for SECONDS and exits.

import Datastore
import Foundation
import Randomness
import Volume

/// The same edits for the same seed and grid size, in the test and in the child.
public func stressEdits(seed: UInt64, count: Int, voxels: Int) -> [DraftEdit] {
    var generator = SplitMix(seed: seed)
    func next() -> UInt64 { generator.next() }
    var label = [UInt16](repeating: 0, count: voxels)
    var applied: [DraftEdit] = []
    return (0..<count).map { _ in
        if next() % 6 == 0, let last = applied.popLast() {
            for c in last.changes.reversed() { label[Int(c.offset)] = c.old }
            return DraftEdit(kind: .undo)
        }
        let value = UInt16(next() % 4)
        var changes: [(offset: Int32, old: UInt16, new: UInt16)] = []
        for _ in 0..<(1 + Int(next() % 50)) {
            let o = Int(next() % UInt64(voxels))
            if label[o] != value { changes.append((Int32(o), label[o], value)); label[o] = value }
        }
        let edit = DraftEdit(kind: .scribble, changes: changes)
        applied.append(edit)
        return edit
    }
}

let arguments = CommandLine.arguments
if arguments.count == 6, arguments[1] == "claim", let seconds = Double(arguments[5]) {
    do {
        let database = try AppDatabase(folder: arguments[2])
        try database.sync()
        try database.claim(arguments[3], by: Annotator(user: arguments[4], host: Annotator.current.host, pid: getpid()), for: seconds)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
}
guard arguments.count == 6, arguments[1] == "journal", let seed = UInt64(arguments[4]), let count = Int(arguments[5]) else {
    FileHandle.standardError.write(Data("usage: datastore-stress journal FOLDER IMAGE_ID SEED COUNT | claim FOLDER IMAGE_ID USER SECONDS\n".utf8))
    exit(2)
}
do {
    let database = try AppDatabase(folder: arguments[2])
    try database.sync()
    let study = try database.study(arguments[3])
    let voxels = study.shape.prefix(3).reduce(1, *)
    for (n, edit) in stressEdits(seed: seed, count: count, voxels: voxels).enumerated() {
        try database.journal(edit, imageId: arguments[3], user: "stress", baseVersion: nil)
        FileHandle.standardOutput.write(Data("done \(n + 1)\n".utf8))
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
