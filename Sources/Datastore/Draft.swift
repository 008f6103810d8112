// The open draft as a sequence of edits, journaled one by one as they happen: each edit lists the voxels it
// changed with their old and new values, so replaying the journal (undo and redo included) rebuilds the draft
// voxel for voxel after a crash or a dropped connection. A draft has two layers: the label being made, and the
// seeds (clicks and scribbles) that guide the segmenters.

import Foundation
import GRDB
import Volume

public struct DraftEdit: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case click, scribble, brush, erase, model, clear, undo, redo
        /// The seeds of a box or lasso drawn on a slice.
        case prompt
        /// A label filled between the slices it was drawn on.
        case interpolate
    }

    public var kind: Kind
    /// Clicks and scribbles change the seeds; brush, erase, model results and clearing change the label.
    public var touchesSeeds: Bool { kind == .click || kind == .scribble || kind == .prompt }
    /// Voxel offset (i fastest), value before, value after.
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

}

/// The label being made and its seeds, with the edits that can be undone and redone.
public struct Draft: Sendable, Equatable {
    public var labels: LabelVolume
    /// 0 = none, a label value = its foreground seed, `backgroundSeed` = background.
    public var seeds: LabelVolume
    public private(set) var applied: [DraftEdit] = []
    public private(set) var undone: [DraftEdit] = []

    public static let backgroundSeed: UInt16 = 0xFFFF

    public init(labels: LabelVolume) {
        self.labels = labels
        seeds = LabelVolume(grid: labels.grid)
    }

    public static func == (a: Draft, b: Draft) -> Bool { a.labels == b.labels && a.seeds == b.seeds }

    /// Applies an edit; undo reverts the newest applied edit, redo re-applies the newest undone one.
    /// Returns false for an undo or redo with nothing to act on.
    @discardableResult
    public mutating func apply(_ edit: DraftEdit) -> Bool {
        switch edit.kind {
        case .undo:
            guard let last = applied.popLast() else { return false }
            write(last, reverting: true)
            undone.append(last)
        case .redo:
            guard let last = undone.popLast() else { return false }
            write(last, reverting: false)
            applied.append(last)
        default:
            write(edit, reverting: false)
            applied.append(edit)
            undone.removeAll()
        }
        return true
    }

    private mutating func write(_ edit: DraftEdit, reverting: Bool) {
        if edit.touchesSeeds {
            if reverting { for c in edit.changes.reversed() { seeds.voxels[Int(c.offset)] = c.old } } else {
                for c in edit.changes { seeds.voxels[Int(c.offset)] = c.new }
            }
        } else {
            if reverting { for c in edit.changes.reversed() { labels.voxels[Int(c.offset)] = c.old } } else {
                for c in edit.changes { labels.voxels[Int(c.offset)] = c.new }
            }
        }
    }

    /// The edit that sets `offsets` of a layer to `value` (only voxels that change are listed).
    public func edit(_ kind: DraftEdit.Kind, setting offsets: [Int], to value: UInt16) -> DraftEdit {
        let layer = kind == .click || kind == .scribble || kind == .prompt ? seeds : labels
        var seen = Set<Int>()
        var changes: [(offset: Int32, old: UInt16, new: UInt16)] = []
        for o in offsets where o >= 0 && o < layer.voxels.count && layer.voxels[o] != value && seen.insert(o).inserted {
            changes.append((Int32(o), layer.voxels[o], value))
        }
        return DraftEdit(kind: kind, changes: changes)
    }

    /// Replays journaled edits onto the label they started from.
    public static func replay(_ edits: [DraftEdit], onto base: LabelVolume) -> Draft {
        var draft = Draft(labels: base)
        for edit in edits { draft.apply(edit) }
        return draft
    }
}

extension AppDatabase {
    /// Appends one edit of the open draft; durable when this returns (the database syncs every commit).
    @discardableResult
    public func journal(_ edit: DraftEdit, imageId: String, user: String, baseVersion: Int?) throws -> Int64 {
        try appendToJournal(kind: edit.kind.rawValue, payload: edit.payload, imageId: imageId, user: user, baseVersion: baseVersion)
    }

    /// Keeps the label names and colours chosen while drafting, journaled like the edits so that a crash keeps them.
    public func journalLabelNames(_ names: [LabelName], imageId: String, user: String, baseVersion: Int?) throws {
        _ = try appendToJournal(kind: AppDatabase.labelNamesKind, payload: JSONEncoder().encode(names), imageId: imageId, user: user,
                            baseVersion: baseVersion)
    }

    /// The newest label names journaled for a draft, if any.
    public func draftLabelNames(_ imageId: String, user: String) throws -> [LabelName]? {
        let study = try study(imageId)
        let entry = try writer.read { db in
            try JournalEntry.filter(Column("studyId") == study.id! && Column("user") == user && Column("kind") == AppDatabase.labelNamesKind)
                .order(Column("id").desc).fetchOne(db)
        }
        return try entry.map { try JSONDecoder().decode([LabelName].self, from: $0.payload) }
    }

    static let labelNamesKind = "labelNames"

    private func appendToJournal(kind: String, payload: Data, imageId: String, user: String, baseVersion: Int?) throws -> Int64 {
        let study = try study(imageId)
        return try writer.write { db in
            let first = try JournalEntry.filter(Column("studyId") == study.id!).fetchCount(db) == 0
            var entry = JournalEntry(id: nil, studyId: study.id!, user: user, baseVersion: baseVersion, kind: kind,
                                     payload: payload, createdAt: Date())
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
    public func rebuildDraft(_ imageId: String, user: String, grid: Grid) throws -> Draft? {
        guard let draft = try draft(imageId, user: user) else { return nil }
        let base = try draft.baseVersion.flatMap { try readLabel(imageId, version: $0) } ?? LabelVolume(grid: grid)
        return Draft.replay(draft.edits, onto: base)
    }

    public func discardDraft(_ imageId: String, user: String) throws {
        let study = try study(imageId)
        try writer.write { db in
            try JournalEntry.filter(Column("studyId") == study.id! && Column("user") == user).deleteAll(db)
            try AppDatabase.refreshStatuses(db)
        }
    }
}
