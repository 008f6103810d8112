// `termlabel review` from scripts: decisions from two processes at once, the queue as JSON, the review column of
// `list` and an export limited to reviewed studies.

import Datastore
import Foundation
import Volume
import VolumeTesting
import XCTest

final class ReviewCLITests: XCTestCase {
    var folder = ""
    var image: Volume!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "termlabel-review-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let phantom = AbdomenPhantom.make(seed: 41, shape: [32, 32, 12], spacing: [9, 0, 14])
        image = phantom.image
        for id in ["case_a", "case_b", "case_c"] { try phantom.image.write(to: folder + "/\(id).nii.gz") }
        let database = try AppDatabase(folder: folder)
        try database.sync()
        for id in ["case_a", "case_b", "case_c"] { try database.saveLabel(phantom.labels, imageId: id, basedOn: nil, author: "ann") }
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: folder) }

    /// Starts `termlabel` with the arguments; its standard error is read when it ends.
    func launch(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = termlabelBinary
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        return (process, err)
    }

    func testTwoReviewersDecidingAtOnceOneLandsAndTheOtherIsToldWhoWasFirst() throws {
        let database = try AppDatabase(folder: folder)
        for round in 1...4 {
            let runs = try [["--accept", "--reviewer", "ann"], ["--reject", "too small", "--reviewer", "bob"]].map {
                try launch(["review", folder, "case_a"] + $0)
            }
            let errors = runs.map { String(decoding: $0.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
            runs.forEach { $0.0.waitUntilExit() }
            XCTAssertEqual(runs.map(\.0.terminationStatus).sorted(), [0, 1], "round \(round): exactly one decision lands")
            let decisions = try database.reviewDecisions("case_a").filter { $0.version == round }
            XCTAssertEqual(decisions.count, 1, "round \(round)")
            let winner = try XCTUnwrap(decisions.first)
            let refused = errors[runs.firstIndex { $0.0.terminationStatus != 0 }!]
            XCTAssertTrue(refused.contains("case_a: version \(round) was already \(winner.decision.rawValue) by \(winner.reviewer)"), refused)
            XCTAssertTrue(refused.contains("nothing was recorded"), refused)
            // The annotator answers with a new version: the next round decides on it.
            try database.saveLabel(LabelVolume(contentsOf: folder + "/labels/final/case_a.nii.gz"), imageId: "case_a", basedOn: round, author: "ann")
        }
    }

    func testDecisionsFromTheCommandLineShowInTheQueueTheListAndTheExport() throws {
        XCTAssertEqual(try runTermlabel(["review", folder, "case_a", "--accept", "--reviewer", "rev"]).status, 0)
        XCTAssertEqual(try runTermlabel(["review", folder, "case_b", "--reject", "kidney missing", "--reviewer", "rev"]).status, 0)
        XCTAssertEqual(try runTermlabel(["review", folder, "case_c", "--flag", "2", "check the tip", "--reviewer", "rev"]).status, 0)
        let stale = try runTermlabel(["review", folder, "case_c", "--accept", "--version", "7"])
        XCTAssertEqual(stale.status, 1)
        XCTAssertEqual(stale.err, "termlabel: case_c: version 7 was replaced by version 1 (ann) since it was shown; nothing was recorded, review the new one\n")

        let queue = try runTermlabel(["review", folder, "--json", "--status", "all"])
        XCTAssertEqual(queue.status, 0, queue.err)
        let rows = try queue.out.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(rows.map { $0["id"] as? String }, ["case_a", "case_b", "case_c"])
        XCTAssertEqual(rows.map { $0["review"] as? String }, ["accepted", "rejected", "flagged"])
        XCTAssertEqual(rows.map { $0["status"] as? String }, ["reviewed", "in progress", "labeled"])
        let flag = try XCTUnwrap((rows[2]["decisions"] as? [[String: Any]])?.first)
        XCTAssertEqual(flag["level"] as? Int, 2)
        XCTAssertEqual(flag["comment"] as? String, "check the tip")
        XCTAssertEqual(flag["reviewer"] as? String, "rev")
        let structures = try XCTUnwrap(rows[0]["structures"] as? [[String: Any]])
        XCTAssertFalse(structures.isEmpty)
        XCTAssertEqual(try runTermlabel(["review", folder, "--json"]).out.split(separator: "\n").count, 1, "the open queue: the flagged study")

        let list = try runTermlabel(["list", folder]).out
        XCTAssertTrue(list.contains("rejected by rev: kidney missing"), list)
        XCTAssertTrue(list.contains("flagged 2 by rev: check the tip"), list)

        let exported = folder + "-export"
        defer { try? FileManager.default.removeItem(atPath: exported) }
        let export = try runTermlabel(["export", folder, "--format", "monai", exported, "--reviewed-only"])
        XCTAssertEqual(export.out, "1 reviewed studies for training in \(exported); 2 not accepted by a reviewer left out\n", export.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: exported + "/labelsTr"), ["case_a.nii.gz"])
    }
}
