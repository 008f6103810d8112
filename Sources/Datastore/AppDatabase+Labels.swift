// Saving a label version. Every version has an immutable copy under the study list's history folder; the
// folder's labels/<tag>/<id>.nii.gz always holds the newest. A save names the version it started from and
// fails with a conflict if another was saved since. The order of steps makes any crash harmless:
//   1. the label is written to a pending file (temporary name, fsync, rename) outside any lock;
//   2. inside one write transaction: check the newest version, move the pending file to its version's
//      history name, replace labels/<tag>/<id>.nii.gz atomically, insert the row, commit.
// A crash before the commit leaves the previous version in labels/ or, at worst, the new file there with no
// row: the next sync registers it as a version, so nothing is lost and the database stays consistent.

import Foundation
import GRDB
import Volume

extension AppDatabase {
    public func study(_ imageId: String) throws -> Study {
        guard let study = try writer.read({ db in try Study.filter(Column("imageId") == imageId).fetchOne(db) }) else {
            throw DatastoreError.unknownStudy(imageId)
        }
        return study
    }

    public func studies() throws -> [Study] {
        try writer.read { db in try Study.order(Column("imageId")).fetchAll(db) }
    }

    /// Every version of a study's labels, oldest first.
    public func labelVersions(_ imageId: String, tag: String? = nil) throws -> [LabelVersion] {
        let study = try study(imageId)
        return try writer.read { db in
            var request = LabelVersion.filter(Column("studyId") == study.id!)
            if let tag { request = request.filter(Column("tag") == tag) }
            return try request.order(Column("tag"), Column("version")).fetchAll(db)
        }
    }

    public func newestLabel(_ imageId: String, tag: String = "final") throws -> LabelVersion? {
        let study = try study(imageId)
        return try writer.read { db in try LabelVersion.newest(db, studyId: study.id!, tag: tag) }
    }

    /// Writes a new version of a study's label (on the image's grid) and records it.
    @discardableResult
    public func saveLabel(_ label: LabelVolume, imageId: String, tag: String = "final", basedOn: Int?, author: String,
                          names: [LabelName] = []) throws -> LabelVersion {
        // Checked before anything is created: a tag is a folder name under labels/ and the history.
        try PathName.check(tag, as: "tag")
        let study = try study(imageId)
        guard location.insideFolder || FileManager.default.isWritableFile(atPath: location.folder) else {
            throw DatastoreError.readOnly(location.folder)
        }
        // Labels live on their image's grid, or 3D Slicer and ITK-SNAP would not overlay them.
        let image = try NiftiFile.open(location.folder + "/" + study.path)
        guard label.grid.matches(image.grid) else {
            throw VolumeError.gridMismatch(path: study.path, reason: "the label's shape or affine differs from the image's")
        }
        let studyHistory = location.historyFolder + "/\(tag)/\(imageId)"
        let tagFolder = location.labelsFolder + "/" + tag
        for folder in [studyHistory, tagFolder] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let pending = studyHistory + "/.pending-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).nii.gz"
        try label.write(to: pending)
        defer { unlink(pending) }
        let data = try Data(contentsOf: URL(fileURLWithPath: pending))
        let hash = ContentHash.of(data)
        let canonical = tagFolder + "/\(imageId).nii.gz"
        return try writer.write { db in
            let newest = try LabelVersion.newest(db, studyId: study.id!, tag: tag)
            guard newest?.version == basedOn else {
                throw DatastoreError.conflict(study: imageId, tag: tag, basedOn: basedOn, latest: newest?.version ?? 0,
                                              author: newest?.author ?? "someone")
            }
            let version = (newest?.version ?? 0) + 1
            let copy = studyHistory + "/v\(version).nii.gz"
            guard rename(pending, copy) == 0 else {
                throw VolumeError.writeFailed(path: copy, reason: String(cString: strerror(errno)))
            }
            try AtomicFile.write(data, to: canonical)
            var record = LabelVersion(id: nil, studyId: study.id!, tag: tag, version: version, path: copy, author: author,
                                      createdAt: Date(), labelNames: names, parentVersion: newest?.version,
                                      fileSize: Int64(data.count), contentHash: hash,
                                      sourceModifiedAt: FileStamp(path: canonical)?.modifiedAt ?? 0, reviewed: false)
            try record.insert(db)
            if tag == "final" {
                // The draft is now a version: its journal is done with.
                try JournalEntry.filter(Column("studyId") == study.id! && Column("user") == author).deleteAll(db)
            }
            try AppDatabase.refreshStatuses(db)
            return record
        }
    }

    /// Reads one version (the newest final by default) as a label map.
    public func readLabel(_ imageId: String, tag: String = "final", version: Int? = nil) throws -> LabelVolume? {
        let versions = try labelVersions(imageId, tag: tag)
        guard let record = version.map({ v in versions.first { $0.version == v } }) ?? versions.last else { return nil }
        return try LabelVolume(contentsOf: record.path)
    }
}
