// Training as a user runs it, twice and three times: a worse continuation never replaces the better model, both
// runs are scored on the same stored validation studies, `model list` shows which one serves, and retention leaves
// exactly the models its rule keeps (the pinned one among them).

import Datastore
import Foundation
import GRDB
import Learning
import Volume
import VolumeTesting
import XCTest

final class ModelLifecycleTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "termlabel-lifecycle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        for n in 0..<3 {
            let phantom = AbdomenPhantom.make(seed: UInt64(70 + n), shape: [32, 32, 12], spacing: [9, 0, 14])
            try phantom.image.write(to: folder + "/case_\(n).nii.gz")
            try phantom.labels.write(to: folder + "/labels/final/case_\(n).nii.gz")
        }
        try Data(#"{"labels": {"liver": 1}, "modality": "CT"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/labels.json"))
        let database = try AppDatabase(folder: folder)
        try database.sync()
        let fingerprint = DatasetFingerprint(studies: 3, labeledStudies: 3, medianSpacingMM: [9, 9, 14], medianExtentMM: [288, 288, 168],
                                             largestVoxelCount: 32 * 32 * 12, modality: "CT", bodyPercentiles: [], labelCount: 1,
                                             smallestStructureMM3: nil)
        try saveSmallPlan(database, fingerprint, patch: [32, 32, 16], spacingMM: [9, 9, 14])
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: folder) }

    func train(_ extra: [String]) throws -> String {
        let run = try runTermlabel(["train", folder, "--model", "auto", "--seed", "3"] + extra)
        XCTAssertEqual(run.status, 0, run.err)
        return run.out
    }

    func testAWorseRunNeverServesBothScoreOnTheSameStudiesAndRetentionKeepsWhatItShould() throws {
        let first = try train(["--epochs", "3", "--steps", "6"])
        let database = try AppDatabase(folder: folder)
        let good = try XCTUnwrap(database.servingModel(kind: "auto"))
        let goodScore = try XCTUnwrap(good.score)
        XCTAssertGreaterThan(goodScore, 0.05, "the first run learnt something:\n\(first)")
        XCTAssertTrue(first.contains("auto: \(good.name) serves (validation Dice \(String(format: "%.3f", goodScore)))"), first)

        // A learning rate that throws the weights far off: its best epoch scores below the serving model.
        let worse = try train(["--epochs", "1", "--steps", "2", "--learning-rate", "50"])
        let models = try database.models(kind: "auto")
        let newest = try XCTUnwrap(models.first)
        XCTAssertNotEqual(newest.name, good.name)
        let newestScore = try XCTUnwrap(newest.score)
        XCTAssertLessThan(newestScore, goodScore)
        XCTAssertEqual(try database.servingModel(kind: "auto")?.name, good.name, "the better model still serves")
        XCTAssertTrue(worse.contains("auto: kept \(good.name) (\(String(format: "%.3f", goodScore))); this run reached \(String(format: "%.3f", newestScore))"), worse)
        XCTAssertEqual(newest.parent, good.name, "warm-started from the serving model")

        // Both runs validated on the stored split.
        let split = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT s.imageId FROM validationSplit v JOIN study s ON s.id = v.studyId WHERE v.validation ORDER BY s.imageId")
        }
        XCTAssertEqual(split, ["case_0"])
        XCTAssertEqual(models.map(\.validatedOn), Array(repeating: split, count: models.count))

        let list = try runTermlabel(["model", "list", folder]).out
        /// The card whose name column holds `name` (a name also shows as a later model's parent).
        func card(_ name: String) throws -> Substring { try XCTUnwrap(list.split(separator: "\n").first { $0.dropFirst(2).hasPrefix("auto        \(name) ") }) }
        XCTAssertTrue(try card(good.name).hasPrefix("▶ "), list)
        XCTAssertTrue(try card(newest.name).hasPrefix("  "), list)

        // Pinned, the worse model serves; a third run with --keep 1 leaves the pinned one, the best and the newest.
        XCTAssertEqual(try runTermlabel(["model", "use", folder, newest.name]).status, 0)
        let third = try train(["--epochs", "2", "--steps", "2", "--keep", "1"])
        XCTAssertTrue(third.contains("is pinned and still serves"), third)
        let left = try database.models(kind: "auto")
        let best = try XCTUnwrap(left.filter { $0.score != nil }.max { $0.score! < $1.score! })
        XCTAssertEqual(Set(left.map(\.name)), Set([newest.name, best.name, left.first!.name]))
        XCTAssertTrue(left.contains { $0.name == newest.name && $0.pinned })
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: database.modelsFolder))
        XCTAssertEqual(files, Set(left.map { ($0.weightsPath as NSString).lastPathComponent }), "the files on disk are the registry's")

        // Exported: the weights load as the same network, the configuration sits beside them as JSON.
        let out = folder + "-export.safetensors"
        defer { for path in [out, folder + "-export.json"] { try? FileManager.default.removeItem(atPath: path) } }
        XCTAssertEqual(try runTermlabel(["model", "export", folder, best.name, out]).status, 0)
        let exported = try SegmentationModel.load(out), original = try SegmentationModel.load(best.weightsPath)
        XCTAssertEqual(exported.withNetwork { $0.namedTensors.map(\.name) }, original.withNetwork { $0.namedTensors.map(\.name) })
        XCTAssertEqual(exported.withNetwork { $0.namedTensors.map(\.tensor.data) }, original.withNetwork { $0.namedTensors.map(\.tensor.data) })
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "-export.json")))
        XCTAssertEqual(config.kind, .auto)
    }
}
