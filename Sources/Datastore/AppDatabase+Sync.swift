// Reconciling the study list with the folder: new images added, changed ones re-read and flagged, vanished ones
// marked missing (their history kept), label files found on disk registered as versions. Headers only, and only
// for files whose size or modification time changed, so a second run changes nothing and costs little.

import Foundation
import GRDB
import Volume

public struct SyncReport: Sendable, Equatable {
    public var added: [String] = []
    public var changed: [String] = []
    public var missing: [String] = []
    public var returned: [String] = []
    public var labelVersions: [String] = []
    public var problems: [String] = []
    /// Image files that are not studies (an impossible header, not a regular file, a link out of the folder).
    public var skippedImages: [SkippedImage] = []

    public var changedAnything: Bool {
        !(added.isEmpty && changed.isEmpty && missing.isEmpty && returned.isEmpty && labelVersions.isEmpty)
    }
}

extension AppDatabase {
    @discardableResult
    public func sync(author: String = "disk") throws -> SyncReport {
        let folder = try StudyFolder(folder: location.folder)
        var report = SyncReport()
        report.problems = folder.problems
        report.skippedImages = folder.skippedImages
        let known = try writer.read { db in
            Dictionary(uniqueKeysWithValues: try Study.fetchAll(db).map { ($0.imageId, $0) })
        }
        // Headers of new or changed images, read before taking the write lock.
        var headers: [String: (shape: [Int], spacing: [Double])] = [:]
        for image in folder.images {
            if let study = known[image.imageId], study.path == image.relativePath, study.fileSize == image.stamp.size,
               study.modifiedAt == image.stamp.modifiedAt, study.status != .missing { continue }
            do {
                let file = try NiftiFile.open(location.folder + "/" + image.relativePath)
                // pixdim past the third axis is not checked by the reader; the list stores numbers JSON can hold.
                headers[image.imageId] = (file.header.dims, file.header.zooms.map { $0.isFinite ? $0 : 0 })
            } catch {
                report.problems.append("\(error)")
                report.skippedImages.append(SkippedImage(name: image.relativePath, reason: (error as? VolumeError)?.reason ?? "\(error)"))
            }
        }
        // A bad labels.json is reported, not fatal: the label files on disk are still registered, without names.
        var names: [LabelName] = []
        do { names = try LabelNamesFile.read(location.folder + "/labels.json") } catch {
            report.problems.append("\(error); label files registered without names")
        }
        let history = location.historyFolder
        try writer.write { db in
            var studies = Dictionary(uniqueKeysWithValues: try Study.fetchAll(db).map { ($0.imageId, $0) })
            let present = Set(folder.images.map(\.imageId))
            for image in folder.images {
                guard let header = headers[image.imageId] else { continue }
                if var study = studies[image.imageId] {
                    let wasMissing = study.status == .missing
                    let hasLabels = try LabelVersion.filter(Column("studyId") == study.id!).fetchCount(db) > 0
                    study.path = image.relativePath
                    study.shape = header.shape
                    study.spacing = header.spacing
                    study.imageChanged = study.imageChanged || (!wasMissing && hasLabels)
                    study.fileSize = image.stamp.size
                    study.modifiedAt = image.stamp.modifiedAt
                    if wasMissing { study.status = .unlabeled; report.returned.append(image.imageId) } else { report.changed.append(image.imageId) }
                    try study.update(db)
                    studies[image.imageId] = study
                } else {
                    var study = Study(id: nil, imageId: image.imageId, path: image.relativePath, shape: header.shape,
                                      spacing: header.spacing, fileSize: image.stamp.size, modifiedAt: image.stamp.modifiedAt,
                                      status: .unlabeled, imageChanged: false, addedAt: Date(), lastServedAt: nil)
                    try study.insert(db)
                    studies[image.imageId] = study
                    report.added.append(image.imageId)
                }
            }
            for (id, var study) in studies where !present.contains(id) && study.status != .missing {
                study.status = .missing
                try study.update(db)
                report.missing.append(id)
            }
            for file in folder.labels {
                guard let study = studies[file.imageId], headers[file.imageId] != nil || study.status != .missing else { continue }
                let newest = try LabelVersion.newest(db, studyId: study.id!, tag: file.tag)
                if let newest, newest.fileSize == file.stamp.size, newest.sourceModifiedAt == file.stamp.modifiedAt { continue }
                guard let data = FileManager.default.contents(atPath: file.path) else {
                    report.problems.append("\(file.path): unreadable")
                    continue
                }
                let hash = ContentHash.of(data)
                if let newest, newest.contentHash == hash {
                    // Same content, touched: remember the new time so the next sync skips it.
                    var touched = newest
                    touched.sourceModifiedAt = file.stamp.modifiedAt
                    try touched.update(db)
                    continue
                }
                // A label on another grid than its image's (resampled elsewhere) would stop training and make an export
                // that nnU-Net refuses, far from here: it is named now and not registered.
                let header: ImageHeader
                do { header = try NiftiFile.open(file.path).header } catch {
                    report.problems.append("\(error); not registered")
                    continue
                }
                if let difference = AppDatabase.gridDifference(header, study) {
                    let name = "labels/\(TerminalText.escaped(file.tag))/\(TerminalText.escaped((file.path as NSString).lastPathComponent))"
                    report.problems.append("\(name): \(difference); not registered")
                    continue
                }
                let version = (newest?.version ?? 0) + 1
                let copy = history + "/\(file.tag)/\(file.imageId)/v\(version).nii.gz"
                try FileManager.default.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try AtomicFile.write(data, to: copy)
                var record = LabelVersion(id: nil, studyId: study.id!, tag: file.tag, version: version, path: copy, author: author,
                                          createdAt: Date(), labelNames: names, parentVersion: newest?.version,
                                          fileSize: file.stamp.size, contentHash: hash, sourceModifiedAt: file.stamp.modifiedAt,
                                          reviewed: false)
                try record.insert(db)
                report.labelVersions.append("\(file.imageId) \(file.tag) v\(version)")
            }
            try AppDatabase.refreshStatuses(db)
        }
        return report
    }

    /// How a label file's grid differs from its study's image (voxels, then voxel size), nil where it does not.
    static func gridDifference(_ label: ImageHeader, _ study: Study) -> String? {
        // A 2D image's header may stop at two dimensions where a label written for it has a third of one voxel.
        func three(_ dims: [Int]) -> [Int] { Array((dims + [1, 1, 1]).prefix(3)) }
        let shape = three(label.dims), spacing = Array(label.zooms.prefix(3))
        func voxels(_ s: [Int]) -> String { s.map(String.init).joined(separator: "×") }
        func size(_ s: [Double]) -> String { s.map { String(format: "%g", $0) }.joined(separator: "×") + " mm" }
        if shape != three(study.shape) {
            return "its grid (\(voxels(shape)) voxels) differs from its image's (\(voxels(three(study.shape))))"
        }
        if zip(spacing, study.spacing.prefix(3)).contains(where: { abs($0 - $1) > 1e-3 * max(abs($1), 1) }) {
            return "its voxels (\(size(spacing))) differ from its image's (\(size(Array(study.spacing.prefix(3)))))"
        }
        return nil
    }

    /// Statuses follow from the facts: missing image, reviewed (accepted) or plain final label, a rejected final
    /// label, a draft, a claim or model output in progress, else unlabeled.
    static func refreshStatuses(_ db: Database) throws {
        try db.execute(sql: """
            UPDATE study SET status = CASE
              WHEN status = 'missing' THEN 'missing'
              WHEN EXISTS (SELECT 1 FROM label l WHERE l.studyId = study.id AND l.tag = 'final' AND l.reviewed
                           AND l.version = (SELECT MAX(version) FROM label m WHERE m.studyId = study.id AND m.tag = 'final'))
                THEN 'reviewed'
              WHEN EXISTS (SELECT 1 FROM reviewDecision r JOIN label l ON r.labelId = l.id
                           WHERE r.studyId = study.id AND r.decision = 'rejected'
                           AND l.version = (SELECT MAX(version) FROM label m WHERE m.studyId = study.id AND m.tag = 'final'))
                THEN 'in progress'
              WHEN EXISTS (SELECT 1 FROM label l WHERE l.studyId = study.id AND l.tag = 'final') THEN 'labeled'
              WHEN EXISTS (SELECT 1 FROM editJournal j WHERE j.studyId = study.id)
                OR EXISTS (SELECT 1 FROM claim c WHERE c.studyId = study.id)
                OR EXISTS (SELECT 1 FROM label l WHERE l.studyId = study.id) THEN 'in progress'
              ELSE 'unlabeled' END
            """)
    }
}

extension LabelVersion {
    static func newest(_ db: Database, studyId: Int64, tag: String) throws -> LabelVersion? {
        try LabelVersion.filter(Column("studyId") == studyId && Column("tag") == tag).order(Column("version").desc).fetchOne(db)
    }
}

/// labels.json: {"labels": {"liver": 1, …}} as MONAI Label apps declare label names, and optionally "modality".
/// No file means no names; a file that says something else is an error naming it, since wrong names would be saved
/// with every label.
public enum LabelNamesFile {
    public struct Problem: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(TerminalText.escaped(path)): \(reason)" }
    }

    private struct Contents: Decodable {
        /// Read as numbers, then checked to be whole, so that the message can name the label.
        var labels: [String: Double]?
        var modality: String?
    }

    /// The "modality" entry ("CT", "MRI"…), if the file has one.
    public static func modality(_ path: String) throws -> String? {
        guard let modality = try contents(path)?.modality else { return nil }
        guard !modality.isEmpty else { throw Problem(path: path, reason: "\"modality\" is empty; say \"CT\" or \"MRI\"") }
        return modality
    }

    public static func read(_ path: String) throws -> [LabelName] {
        guard let labels = try contents(path)?.labels else { return [] }
        var byValue: [UInt16: String] = [:]
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            guard let value = UInt16(exactly: value) else {
                let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                throw Problem(path: path, reason: "label \(TerminalText.escaped(name)) has value \(shown); values are whole numbers 0–65535")
            }
            if name.isEmpty || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw Problem(path: path, reason: "label name \(TerminalText.escaped(name)) is empty or holds a control character")
            }
            if let other = byValue[value] {
                throw Problem(path: path, reason: "labels \(TerminalText.escaped(other)) and \(TerminalText.escaped(name)) share the value \(value)")
            }
            byValue[value] = name
        }
        return byValue.map { LabelName(value: $0.key, name: $0.value) }.sorted { $0.value < $1.value }
    }

    private static func contents(_ path: String) throws -> Contents? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(path: path, reason: "cannot be read") }
        do {
            return try JSONDecoder().decode(Contents.self, from: data)
        } catch let DecodingError.typeMismatch(expected, context) {
            let place = context.codingPath.map(\.stringValue).joined(separator: ".")
            let wanted = expected == Double.self ? "a number" : expected == String.self ? "a string" : "an object such as {\"labels\": {\"liver\": 1}}"
            throw Problem(path: path, reason: (place.isEmpty ? "the file" : "\"\(place)\"") + " must be \(wanted)")
        } catch let DecodingError.dataCorrupted(context) {
            let place = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem(path: path, reason: place.isEmpty ? "not JSON" : "\"\(place)\": \(context.debugDescription)")
        } catch {
            throw Problem(path: path, reason: "not a labels file: \(error)")
        }
    }
}
