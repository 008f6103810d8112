// The open draft as a sequence of edits, journaled one by one as they happen: each edit lists the voxels it
// changed with their old and new labels, so replaying the journal (undo and redo included) rebuilds the draft
// voxel for voxel after a crash or a dropped connection.

import Foundation
import GRDB
import Volume

public struct DraftEdit: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case click, scribble, brush, erase, model, clear, undo, redo
    }

    public var kind: Kind
    /// Voxel offset (i fastest), label before, label after.
    public var changes: [(offset: Int32, old: UInt16, new: UInt16)]

    public init(kind: Kind, changes: [(offset: Int32, old: UInt16, new: UInt16)] = []) {
        self.kind = kind
        self.changes = changes
    }

    public static func == (a: DraftEdit, b: DraftEdit) -> Bool {
        a.kind == b.kind && a.changes.count == b.changes.count
            && zip(a.changes, b.changes).allSatisfy { $0.offset == $1.offset && $0.old == $1.old && $0.new == $1.new }
    }

    /// 8 bytes per change, little-endian.
    public var payload: Data {
        var data = Data(capacity: changes.count * 8)
        for change in changes {
            withUnsafeBytes(of: change.offset.littleEndian) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: change.old.littleEndian) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: change.new.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    public init?(kind: String, payload: Data) {
        guard let kind = Kind(rawValue: kind), payload.count % 8 == 0 else { return nil }
        self.kind = kind
        changes = payload.withUnsafeBytes { raw in
            (0..<payload.count / 8).map { n in
                (Int32(littleEndian: raw.loadUnaligned(fromByteOffset: n * 8, as: Int32.self)),
                 UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: n * 8 + 4, as: UInt16.self)),
                 UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: n * 8 + 6, as: UInt16.self)))
            }
        }
    }

    /// Replays edits onto a base label map: undo reverts the newest applied edit, redo re-applies the newest undone.
    public static func replay(_ edits: [DraftEdit], onto base: LabelVolume) -> LabelVolume {
        var label = base
        var applied: [DraftEdit] = [], undone: [DraftEdit] = []
        for edit in edits {
            switch edit.kind {
            case .undo:
                guard let last = applied.popLast() else { continue }
                for change in last.changes.reversed() { label.voxels[Int(change.offset)] = change.old }
                undone.append(last)
            case .redo:
                guard let last = undone.popLast() else { continue }
                for change in last.changes { label.voxels[Int(change.offset)] = change.new }
                applied.append(last)
            default:
                for change in edit.changes { label.voxels[Int(change.offset)] = change.new }
                applied.append(edit)
                undone.removeAll()
            }
        }
        return label
    }
}

extension AppDatabase {
    /// Appends one edit of the open draft; durable when this returns (the database syncs every commit).
    @discardableResult
    public func journal(_ edit: DraftEdit, imageId: String, user: String, baseVersion: Int?) throws -> Int64 {
        let study = try study(imageId)
        return try writer.write { db in
            let first = try JournalEntry.filter(Column("studyId") == study.id!).fetchCount(db) == 0
            var entry = JournalEntry(id: nil, studyId: study.id!, user: user, baseVersion: baseVersion, kind: edit.kind.rawValue,
                                     payload: edit.payload, createdAt: Date())
            try entry.insert(db)
            if first { try AppDatabase.refreshStatuses(db) }
            return entry.id!
        }
    }

    /// The journaled draft of a study, if any: the version it started from and its edits in order.
    public func draft(_ imageId: String, user: String) throws -> (baseVersion: Int?, edits: [DraftEdit])? {
        let study = try study(imageId)
        let entries = try writer.read { db in
            try JournalEntry.filter(Column("studyId") == study.id! && Column("user") == user).order(Column("id")).fetchAll(db)
        }
        guard let first = entries.first else { return nil }
        return (first.baseVersion, entries.compactMap { DraftEdit(kind: $0.kind, payload: $0.payload) })
    }

    /// Rebuilds the journaled draft on top of the label it started from (or an empty map on `grid`).
    public func rebuildDraft(_ imageId: String, user: String, grid: Grid) throws -> LabelVolume? {
        guard let draft = try draft(imageId, user: user) else { return nil }
        let base = try draft.baseVersion.flatMap { try readLabel(imageId, version: $0) } ?? LabelVolume(grid: grid)
        return DraftEdit.replay(draft.edits, onto: base)
    }

    public func discardDraft(_ imageId: String, user: String) throws {
        let study = try study(imageId)
        try writer.write { db in
            try JournalEntry.filter(Column("studyId") == study.id! && Column("user") == user).deleteAll(db)
            try AppDatabase.refreshStatuses(db)
        }
    }
}
