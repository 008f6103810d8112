// The open draft as a sequence of edits, journaled one by one as they happen: each edit lists the voxels it
// changed with their old and new values, so replaying the journal (undo and redo included) rebuilds the draft
// voxel for voxel after a crash or a dropped connection. A draft has two layers: the label being made, and the
// seeds (clicks and scribbles) that guide the segmenters; and the clicks themselves, in order, which the models
// read (a click's seed ball is only what the graph cut sees of it).

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
    /// The clicks this edit adds to the draft's list.
    public var clicks: [Click]

    public init(kind: Kind, changes: [(offset: Int32, old: UInt16, new: UInt16)] = [], clicks: [Click] = []) {
        self.kind = kind
        self.changes = changes
        self.clicks = clicks
    }

    public static func == (a: DraftEdit, b: DraftEdit) -> Bool {
        a.kind == b.kind && a.clicks == b.clicks && a.changes.count == b.changes.count
            && zip(a.changes, b.changes).allSatisfy { $0.offset == $1.offset && $0.old == $1.old && $0.new == $1.new }
    }

    /// 8 bytes per change, little-endian; then, when the edit adds clicks, a marker change (offset −1, old 0xC1C1,
    /// new the click count) and 16 bytes per click (i, j, k as Int32, label, 1 for positive). Journals written
    /// before clicks were kept have no marker and read as edits without clicks.
    public var payload: Data {
        var data = Data(capacity: changes.count * 8 + (clicks.isEmpty ? 0 : 8 + clicks.count * 16))
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        for change in changes {
            append(change.offset)
            append(change.old)
            append(change.new)
        }
        if !clicks.isEmpty {
            append(Int32(-1))
            append(DraftEdit.clickMarker)
            append(UInt16(clicks.count))
            for click in clicks {
                append(Int32(click.voxel.i))
                append(Int32(click.voxel.j))
                append(Int32(click.voxel.k))
                append(click.label)
                append(UInt16(click.positive ? 1 : 0))
            }
        }
        return data
    }

    static let clickMarker: UInt16 = 0xC1C1

    public init?(kind: String, payload: Data) {
        guard let kind = Kind(rawValue: kind), payload.count % 8 == 0 else { return nil }
        self.kind = kind
        var changes: [(offset: Int32, old: UInt16, new: UInt16)] = []
        var clicks: [Click] = []
        let valid = payload.withUnsafeBytes { raw -> Bool in
            func load<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self)) }
            var n = 0
            while n < payload.count {
                let (offset, old, new) = (load(n, as: Int32.self), load(n + 4, as: UInt16.self), load(n + 6, as: UInt16.self))
                n += 8
                guard offset == -1 && old == DraftEdit.clickMarker else {
                    changes.append((offset, old, new))
                    continue
                }
                guard payload.count == n + Int(new) * 16 else { return false }
                for _ in 0..<Int(new) {
                    let voxel = VoxelIndex(Int(load(n, as: Int32.self)), Int(load(n + 4, as: Int32.self)), Int(load(n + 8, as: Int32.self)))
                    clicks.append(Click(voxel, label: load(n + 12, as: UInt16.self), positive: load(n + 14, as: UInt16.self) == 1))
                    n += 16
                }
            }
            return true
        }
        guard valid else { return nil }
        self.changes = changes
        self.clicks = clicks
    }

}

/// The label being made and its seeds, with the edits that can be undone and redone.
public struct Draft: Sendable, Equatable {
    public var labels: LabelVolume
    /// 0 = none, a label value = its foreground seed, `backgroundSeed` = background.
    public var seeds: LabelVolume
    /// Every click still in effect, in the order made (undo takes a click back, redo makes it again).
    public private(set) var clicks: [Click] = []
    public private(set) var applied: [DraftEdit] = []
    public private(set) var undone: [DraftEdit] = []

    public static let backgroundSeed: UInt16 = 0xFFFF

    public init(labels: LabelVolume) {
        self.labels = labels
        seeds = LabelVolume(grid: labels.grid)
    }

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
        if reverting { clicks.removeLast(min(edit.clicks.count, clicks.count)) } else { clicks += edit.clicks }
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

    /// The edit that sets `offsets` of a layer to `value` (only voxels that change are listed), adding `clicks`.
    public func edit(_ kind: DraftEdit.Kind, setting offsets: [Int], to value: UInt16, clicks: [Click] = []) -> DraftEdit {
        let layer = kind == .click || kind == .scribble || kind == .prompt ? seeds : labels
        var seen = Set<Int>()
        var changes: [(offset: Int32, old: UInt16, new: UInt16)] = []
        for o in offsets where o >= 0 && o < layer.voxels.count && layer.voxels[o] != value && seen.insert(o).inserted {
            changes.append((Int32(o), layer.voxels[o], value))
        }
        return DraftEdit(kind: kind, changes: changes, clicks: clicks)
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
