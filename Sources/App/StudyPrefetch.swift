// In review mode the next study of the queue is read while the reviewer looks at the current one, so that a step
// shows it at once. Reading happens on its own queue, never on the study queue, so that journaling an edit never
// waits behind a large image; one study is kept at most.

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
    private var ready: (id: String, study: Study)?
    private var reading: String?
    private let running = DispatchGroup()

    init(database: AppDatabase) {
        self.database = database
    }

    /// Starts reading a study (its image, newest final label and review figures) unless it is read or being read.
    func start(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        guard ready?.id != id, reading != id else { return }
        reading = id
        running.enter()
        let database = self.database
        queue.async {
            // A study that cannot be read here is read again by the open that wants it, which reports why.
            let study = try? StudyPrefetch.read(id, database: database)
            self.lock.lock()
            if let study { self.ready = (id, study) }
            if self.reading == id { self.reading = nil }
            self.lock.unlock()
            self.running.leave()
        }
    }

    /// The study if it was read ahead and is still what the study list says now (`record`'s image file, `newest`
    /// final version); waits for a read of it that is under way. The study is handed over, not kept.
    func take(_ id: String, record: Datastore.Study, newest: LabelVersion?) -> Study? {
        lock.lock()
        let underWay = reading == id
        lock.unlock()
        if underWay { running.wait() }
        lock.lock()
        defer { lock.unlock() }
        guard let (readId, study) = ready, readId == id else { return nil }
        ready = nil
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
