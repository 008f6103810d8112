// Saving labels: versions, history, conflicts, claims and the draft journal.

import Datastore
import Foundation
import GRDB
import Randomness
import Volume
import VolumeTesting
import XCTest

final class LabelVersionTests: XCTestCase {
    func testVersionsConflictsAndHistory() throws {
        let fixture = try StudyFolderFixture(count: 2, labeled: 0)
        let database = try AppDatabase(folder: fixture.path)
        try database.sync()
        let a = fixture.labelMap("case_00", value: 1, at: [10, 11])
        let v1 = try database.saveLabel(a, imageId: "case_00", basedOn: nil, author: "ann",
                                        names: [LabelName(value: 1, name: "liver", color: "#e69f00")])
        XCTAssertEqual(v1.version, 1)
        XCTAssertEqual(try LabelVolume(contentsOf: fixture.path + "/labels/final/case_00.nii.gz"), a)
        XCTAssertEqual(try database.study("case_00").status, .labeled)

        let b = fixture.labelMap("case_00", value: 2, at: [12])
        XCTAssertEqual(try database.saveLabel(b, imageId: "case_00", basedOn: 1, author: "bob").version, 2)
        // Saving on top of version 1 again is a conflict, and nothing changes.
        XCTAssertThrowsError(try database.saveLabel(a, imageId: "case_00", basedOn: 1, author: "ann")) { error in
            guard case .conflict(_, _, let basedOn, let latest, let author) = error as? DatastoreError else { return XCTFail("\(error)") }
            XCTAssertEqual([basedOn, latest], [1, 2])
            XCTAssertEqual(author, "bob")
        }
        XCTAssertEqual(try LabelVolume(contentsOf: fixture.path + "/labels/final/case_00.nii.gz"), b)
        XCTAssertEqual(try database.readLabel("case_00", version: 1), a)
        XCTAssertEqual(try database.labelVersions("case_00").map(\.parentVersion), [nil, 1])
        XCTAssertEqual(try database.labelVersions("case_00").first?.labelNames.first?.name, "liver")
        // The label written is on the image's grid.
        XCTAssertEqual(try NiftiFile.open(fixture.path + "/labels/final/case_00.nii.gz").grid.affine, fixture.images["case_00"]!.affine)
        // A sync after saving registers nothing new.
        XCTAssertFalse(try database.sync().changedAnything)
        try database.decide("case_00", version: nil, reviewer: "rev", verdict: .accepted)
        XCTAssertEqual(try database.study("case_00").status, .reviewed)
        XCTAssertThrowsError(try database.saveLabel(a, imageId: "nobody", basedOn: nil, author: "ann"))
        // A label on another grid is refused.
        let elsewhere = LabelVolume(grid: Grid(shape: [24, 24, 8], affine: .identity))
        XCTAssertThrowsError(try database.saveLabel(elsewhere, imageId: "case_01", basedOn: nil, author: "ann")) { error in
            guard case .gridMismatch = error as? VolumeError else { return XCTFail("\(error)") }
        }
    }

    func testClaimsExpireAndCanBeTakenOver() throws {
        let fixture = try StudyFolderFixture(count: 1, labeled: 0)
        let database = try AppDatabase(folder: fixture.path)
        try database.sync()
        let ann = Annotator(user: "ann", host: "ws1", pid: 100), bob = Annotator(user: "bob", host: "ws2", pid: 200)
        let now = Date()
        try database.claim("case_00", by: ann, now: now)
        XCTAssertEqual(try database.study("case_00").status, .inProgress)
        XCTAssertThrowsError(try database.claim("case_00", by: bob, now: now.addingTimeInterval(60))) { error in
            XCTAssertTrue("\(error)".contains("ann@ws1"), "\(error)")
        }
        // Ann's work renews her claim; once it lapses, Bob may take over.
        try database.claim("case_00", by: ann, now: now.addingTimeInterval(20 * 60))
        XCTAssertThrowsError(try database.claim("case_00", by: bob, now: now.addingTimeInterval(45 * 60)))
        let taken = try database.claim("case_00", by: bob, now: now.addingTimeInterval(51 * 60))
        XCTAssertEqual(taken.user, "bob")
        try database.releaseClaim("case_00", by: ann)   // not hers any more: no effect
        XCTAssertEqual(try database.claim(of: "case_00")?.user, "bob")
        try database.releaseClaim("case_00", by: bob)
        XCTAssertNil(try database.claim(of: "case_00"))
    }

    func testJournalRebuildsTheDraftWithUndoAndRedo() throws {
        let fixture = try StudyFolderFixture(count: 1, labeled: 0)
        let database = try AppDatabase(folder: fixture.path)
        try database.sync()
        let grid = fixture.images["case_00"]!.grid
        var live = LabelVolume(grid: grid)
        var applied: [DraftEdit] = [], undone: [DraftEdit] = []
        var random = SplitMix(seed: 11)
        for step in 0..<60 {
            let edit: DraftEdit
            if step % 7 == 3 && !applied.isEmpty {
                edit = DraftEdit(kind: .undo)
                let last = applied.removeLast()
                for c in last.changes.reversed() { live.voxels[Int(c.offset)] = c.old }
                undone.append(last)
            } else if step % 11 == 5 && !undone.isEmpty {
                edit = DraftEdit(kind: .redo)
                let last = undone.removeLast()
                for c in last.changes { live.voxels[Int(c.offset)] = c.new }
                applied.append(last)
            } else {
                let value = UInt16.random(in: 0...3, using: &random)
                let offsets = (0..<Int.random(in: 1...40, using: &random)).map { _ in Int32.random(in: 0..<Int32(grid.voxelCount), using: &random) }
                var changes: [(offset: Int32, old: UInt16, new: UInt16)] = []
                for o in offsets where live.voxels[Int(o)] != value {
                    changes.append((o, live.voxels[Int(o)], value))
                    live.voxels[Int(o)] = value
                }
                edit = DraftEdit(kind: .brush, changes: changes)
                applied.append(edit)
                undone.removeAll()
            }
            try database.journal(edit, imageId: "case_00", user: "ann", baseVersion: nil)
        }
        XCTAssertEqual(try database.study("case_00").status, .inProgress)
        // Label names chosen while drafting are journaled too; the newest wins and the voxels are untouched.
        try database.journalLabelNames([LabelName(value: 1, name: "liver")], imageId: "case_00", user: "ann", baseVersion: nil)
        let names = [LabelName(value: 1, name: "liver", color: "#112233"), LabelName(value: 2, name: "aorta")]
        try database.journalLabelNames(names, imageId: "case_00", user: "ann", baseVersion: nil)
        XCTAssertEqual(try database.draftLabelNames("case_00", user: "ann"), names)
        XCTAssertNil(try database.draftLabelNames("case_00", user: "bob"))
        XCTAssertEqual(try database.rebuildDraft("case_00", user: "ann", grid: grid)?.labels, live)
        XCTAssertNil(try database.rebuildDraft("case_00", user: "bob", grid: grid))
        // Submitting ends the draft, names included; they live on in the version.
        try database.saveLabel(live, imageId: "case_00", basedOn: nil, author: "ann", names: names)
        XCTAssertNil(try database.draft("case_00", user: "ann"))
        XCTAssertNil(try database.draftLabelNames("case_00", user: "ann"))
        XCTAssertEqual(try database.newestLabel("case_00")?.labelNames, names)
    }
}

final class DraftTests: XCTestCase {
    func testClicksAreKeptInOrderThroughUndoRedoAndTheJournal() throws {
        let grid = Grid(shape: [8, 8, 4], affine: .identity)
        var draft = Draft(labels: LabelVolume(grid: grid))
        let first = Click(VoxelIndex(3, 3, 1), label: 1, positive: true)
        let second = Click(VoxelIndex(4, 3, 1), label: 1, positive: true)
        let negative = Click(VoxelIndex(7, 0, 3), label: 2, positive: false)
        for (click, offsets) in [(first, [27]), (second, [28]), (negative, [199])] {
            draft.apply(draft.edit(.click, setting: offsets, to: click.positive ? 1 : Draft.backgroundSeed, clicks: [click]))
        }
        XCTAssertEqual(draft.clicks, [first, second, negative], "two clicks one voxel apart stay two")
        draft.apply(DraftEdit(kind: .undo))
        XCTAssertEqual(draft.clicks, [first, second])
        draft.apply(DraftEdit(kind: .redo))
        XCTAssertEqual(draft.clicks, [first, second, negative])
        // Through the journal's bytes and back: the same draft, clicks and undo history included.
        let replayed = Draft.replay(draft.applied.map { DraftEdit(kind: $0.kind.rawValue, payload: $0.payload)! }, onto: LabelVolume(grid: grid))
        XCTAssertEqual(replayed, draft)
        XCTAssertEqual(replayed.clicks, [first, second, negative])
        // A journal entry from before clicks were kept reads as the seed change it was.
        let old = DraftEdit(kind: .click, changes: [(27, 0, 1)])
        XCTAssertEqual(DraftEdit(kind: "click", payload: old.payload), old)
        XCTAssertNil(DraftEdit(kind: "click", payload: draft.applied[0].payload.dropLast(8)), "a cut-off click list is refused")
    }

    func testSeedsAndLabelsAreSeparateLayersWithOneUndoHistory() {
        var draft = Draft(labels: LabelVolume(grid: Grid(shape: [4, 4, 2], affine: .identity)))
        let click = draft.edit(.click, setting: [5], to: 1)
        draft.apply(click)
        let brush = draft.edit(.brush, setting: [1, 2, 2, 3], to: 2)
        XCTAssertEqual(brush.changes.count, 3, "each voxel once")
        draft.apply(brush)
        XCTAssertEqual(draft.seeds.voxels[5], 1)
        XCTAssertEqual(draft.labels.voxels[5], 0)
        XCTAssertEqual(draft.labels.count(of: 2), 3)
        XCTAssertTrue(draft.edit(.brush, setting: [1, 2], to: 2).changes.isEmpty, "nothing changes twice")
        draft.apply(DraftEdit(kind: .undo))
        XCTAssertEqual(draft.labels.count(of: 2), 0)
        draft.apply(DraftEdit(kind: .undo))
        XCTAssertEqual(draft.seeds.voxels[5], 0)
        XCTAssertFalse(draft.apply(DraftEdit(kind: .undo)))
        draft.apply(DraftEdit(kind: .redo))
        XCTAssertEqual(draft.seeds.voxels[5], 1)
        // A new edit after an undo drops what could have been redone.
        draft.apply(draft.edit(.erase, setting: [5], to: 0))
        XCTAssertFalse(draft.apply(DraftEdit(kind: .redo)))
        XCTAssertEqual(draft.undone.count, 0)
    }
}
