// Review decisions and the figures a reviewer sees, on label maps built so that every figure is known by
// construction: a sheared affine (voxel volume ≠ product of spacings), islands and corner contacts, a model original.

import Datastore
import Foundation
import Volume
import XCTest

final class ReviewTests: XCTestCase {
    var path = ""
    var grid: Grid!

    override func setUpWithError() throws {
        path = NSTemporaryDirectory() + "termlabel-review-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // A shear: the voxel is a parallelepiped of 2 × 3 × 4 = 24 mm³ although its edges are 2, √10 and 4 mm long.
        grid = Grid(shape: [12, 10, 6], affine: Affine(rows: [[2, 1, 0, -10], [0, 3, 0, -5], [0, 0, 4, 0], [0, 0, 0, 1]]))
        for id in ["case", "other"] {
            try Volume(grid: grid, voxels: [Float](repeating: 100, count: grid.voxelCount)).write(to: path + "/\(id).nii.gz")
        }
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: path) }

    /// Label 1: a 3 × 3 × 2 block at i, j 1…3, k 1…2 (18 voxels).
    func block() -> LabelVolume {
        var labels = LabelVolume(grid: grid)
        for k in 1...2 { for j in 1...3 { for i in 1...3 { labels[i, j, k] = 1 } } }
        return labels
    }

    func testFiguresMatchWhatTheLabelsWereBuiltToHold() throws {
        let database = try AppDatabase(folder: path)
        try database.sync()
        let started = Date(timeIntervalSinceNow: -100)
        let session = try database.startSession("case", user: "ann", at: started)
        for second in [10.0, 20, 30] { try database.record(.click, session: session.id!, at: started.addingTimeInterval(second)) }
        try database.saveLabel(block(), imageId: "case", tag: "original", basedOn: nil, author: "deepedit-3")
        var final = block()
        final[4, 4, 3] = 1  // touches the block's corner (3, 3, 2): the same piece
        final[8, 8, 4] = 1  // an island
        for j in 0...1 { for i in 0..<12 { final[i, j, 5] = 2 } }  // 24 voxels of label 2, in slice 5 only
        try database.saveLabel(final, imageId: "case", basedOn: nil, author: "ann", names: [LabelName(value: 1, name: "liver"), LabelName(value: 2, name: "spleen")])

        let figures = try database.reviewFigures("case")
        XCTAssertEqual(figures.version, 1)
        XCTAssertEqual(figures.author, "ann")
        XCTAssertEqual(figures.clicks, 3)
        XCTAssertEqual(figures.activeSeconds, 30, accuracy: 0.01, "times are stored to the millisecond")
        XCTAssertEqual(figures.originalAuthor, "deepedit-3")
        XCTAssertNil(figures.previousVersion)
        let liver = try XCTUnwrap(figures.structures.first { $0.name == "liver" })
        XCTAssertEqual(liver.measure.voxels, 20)
        XCTAssertEqual(liver.measure.millilitres, 20 * 24 / 1000, accuracy: 1e-9, "from the affine's determinant")
        XCTAssertEqual(liver.measure.components, 2, "the corner voxel joins the block; the island is apart")
        XCTAssertEqual([liver.measure.firstSlice, liver.measure.largestSlice, liver.measure.lastSlice], [1, 1, 4])
        XCTAssertEqual(try XCTUnwrap(liver.diceWithOriginal), 2.0 * 18 / (20 + 18), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(liver.millilitresChangeFromOriginal), 2 * 0.024, accuracy: 1e-9)
        let spleen = try XCTUnwrap(figures.structures.first { $0.name == "spleen" })
        XCTAssertEqual([spleen.measure.voxels, spleen.measure.components, spleen.measure.firstSlice, spleen.measure.lastSlice], [24, 1, 5, 5])
        XCTAssertEqual(spleen.diceWithOriginal, 0, "the model found no spleen")

        // A second version without the island: compared with the first.
        final[8, 8, 4] = 0
        try database.saveLabel(final, imageId: "case", basedOn: 1, author: "bob")
        let second = try database.reviewFigures("case")
        XCTAssertEqual(second.previousVersion, 1)
        let liver2 = try XCTUnwrap(second.structures.first { $0.measure.label == 1 })
        XCTAssertEqual(liver2.measure.components, 1)
        XCTAssertEqual(try XCTUnwrap(liver2.diceWithPrevious), 2.0 * 19 / (19 + 20), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(liver2.millilitresChangeFromPrevious), -0.024, accuracy: 1e-9)
        XCTAssertEqual(try database.reviewFigures("case", version: 1), figures, "a version's figures stay what they were")
    }

    func testDecisionsAreRowsThatSettleOnceAndNeverOnAReplacedVersion() throws {
        let database = try AppDatabase(folder: path)
        try database.sync()
        XCTAssertThrowsError(try database.decide("case", version: nil, reviewer: "rev", verdict: .accepted)) { error in
            XCTAssertEqual(error as? DatastoreError, .nothingToReview("case"))
        }
        try database.saveLabel(block(), imageId: "case", basedOn: nil, author: "ann")
        try database.saveLabel(block(), imageId: "other", basedOn: nil, author: "bob")
        XCTAssertEqual(try database.reviewQueue().map(\.study.imageId), ["case", "other"])
        XCTAssertEqual(try database.reviewQueue(ReviewQueueFilter(annotator: "bob")).map(\.study.imageId), ["other"])

        // A flag leaves the version open; the accept after it settles it; a later reject is refused.
        try database.decide("case", version: 1, reviewer: "rev", verdict: .flagged, level: 2, comment: "check the tip")
        XCTAssertEqual(try database.reviewQueue(ReviewQueueFilter(status: .flagged)).map(\.study.imageId), ["case"])
        try database.decide("case", version: 1, reviewer: "chief", verdict: .accepted)
        XCTAssertEqual(try database.study("case").status, .reviewed)
        XCTAssertThrowsError(try database.decide("case", version: 1, reviewer: "rev", verdict: .rejected, comment: "no")) { error in
            guard case .alreadyDecided(_, 1, "accepted", "chief", _)? = error as? DatastoreError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("already accepted by chief"), "\(error)")
        }
        XCTAssertEqual(try database.reviewQueue().map(\.study.imageId), ["other"], "settled versions leave the open queue")

        // A rejection sends the study back; a new version replaces the rejected one and reopens the review.
        try database.decide("other", version: 1, reviewer: "rev", verdict: .rejected, comment: "spleen missing")
        XCTAssertEqual(try database.study("other").status, .inProgress)
        XCTAssertEqual(try database.rejection("other")?.comment, "spleen missing")
        XCTAssertEqual(try database.finalLabels().map(\.study.imageId), ["case"], "a rejected version is not trained on")
        try database.saveLabel(block(), imageId: "other", basedOn: 1, author: "bob")
        XCTAssertNil(try database.rejection("other"))
        XCTAssertEqual(try database.study("other").status, .labeled)
        XCTAssertThrowsError(try database.decide("other", version: 1, reviewer: "rev", verdict: .accepted)) { error in
            XCTAssertEqual(error as? DatastoreError, .staleReview(study: "other", version: 1, newest: 2, author: "bob"))
            XCTAssertTrue("\(error)".contains("replaced by version 2"), "\(error)")
        }
        XCTAssertEqual(try database.reviewQueue().map(\.study.imageId), ["other"])

        // Nothing was overwritten: every decision is its own row.
        XCTAssertEqual(try database.reviewDecisions("case").map(\.decision), [.flagged, .accepted])
        XCTAssertEqual(try database.reviewDecisions("other").map(\.decision), [.rejected])
        XCTAssertEqual(try database.studyRows().first { $0.study.imageId == "case" }?.review?.reviewer, "chief")
    }
}
