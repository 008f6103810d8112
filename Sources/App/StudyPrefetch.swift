// In review mode the studies on either side of the current one in the queue are read while the reviewer looks at
// it, so that a step either way shows its study at once. Reading happens on its own queue, never on the study
// queue, so that journaling an edit never waits behind a large image; two studies are kept at most.

import Datastore
import Foundation
import Volume

final class StudyPrefetch: @unchecked Sendable {
    struct Study {
        var record: Datastore.Study
        var image: Volume
        /// The newest final version and its labels, when there is one and it could be read.
        var label: (version: LabelVersion, labels: LabelVolume)?
    }

    private let database: AppDatabase
    private let queue = DispatchQueue(label: "termlabel.prefetch", qos: .utility)
    private let lock = NSLock()
    /// Read studies, the most recently asked for last.
    private var ready: [(id: String, study: Study)] = []
    private var reading: Set<String> = []
    static let capacity = 2
    private let running = DispatchGroup()

    init(database: AppDatabase) {
        self.database = database
    }

    /// Starts reading a study (its image, newest final label and review figures) unless it is read or being read.
    func start(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        if let n = ready.firstIndex(where: { $0.id == id }) {
            ready.append(ready.remove(at: n))
            return
        }
        guard !reading.contains(id) else { return }
        reading.insert(id)
        running.enter()
        let database = self.database
        queue.async {
            // A study that cannot be read here is read again by the open that wants it, which reports why.
            let study = try? StudyPrefetch.read(id, database: database)
            self.lock.lock()
            if let study {
                self.ready.append((id, study))
                if self.ready.count > StudyPrefetch.capacity { self.ready.removeFirst() }
            }
            self.reading.remove(id)
            self.lock.unlock()
            self.running.leave()
        }
    }

    /// The study if it was read ahead and is still what the study list says now (`record`'s image file, `newest`
    /// final version); waits for a read of it that is under way. The study is handed over, not kept.
    func take(_ id: String, record: Datastore.Study, newest: LabelVersion?) -> Study? {
        lock.lock()
        let underWay = reading.contains(id)
        lock.unlock()
        if underWay { running.wait() }
        lock.lock()
        defer { lock.unlock() }
        guard let n = ready.firstIndex(where: { $0.id == id }) else { return nil }
        let study = ready.remove(at: n).study
        guard record.fileSize == study.record.fileSize, record.modifiedAt == study.record.modifiedAt,
              newest?.id == study.label?.version.id else { return nil }
        return study
    }

    private static func read(_ id: String, database: AppDatabase) throws -> Study {
        let record = try database.study(id)
        let image = try Volume(contentsOf: database.location.folder + "/" + record.path)
        var label: (LabelVersion, LabelVolume)?
        if let newest = try database.newestLabel(id) {
            label = (newest, try LabelVolume(contentsOf: newest.path))
            _ = try database.reviewFigures(id, version: newest.version)
        }
        return Study(record: record, image: image, label: label)
    }
}
