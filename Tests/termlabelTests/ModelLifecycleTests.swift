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
        XCTAssertTrue(first.contains("training auto from fresh weights (learning rate 0.003) on case_1, case_2"), first)
        // labels.json names the liver alone: the other organs train as background, and the run says so.
        XCTAssertTrue(first.contains("note: label values 2, 3, 4, 5 (in case_0, case_1, case_2) are not among the folder's labels "
                                     + "(liver = 1) and train as background"), first)

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
        XCTAssertTrue(worse.contains("training auto from \(good.name) (learning rate 50.0) on"), worse)

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
        XCTAssertTrue(third.contains("training auto from \(newest.name) (learning rate 0.003) on"), third)
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

    func testAfterTheLabelsChangeTrainingStartsFromFreshWeightsAndSaysSo() throws {
        _ = try train(["--epochs", "1", "--steps", "2"])
        let database = try AppDatabase(folder: folder)
        let first = try XCTUnwrap(database.servingModel(kind: "auto"))

        // A second structure: the serving model predicts the old labels only, so nothing warm-starts from it.
        try Data(#"{"labels": {"liver": 1, "spleen": 2}, "modality": "CT"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/labels.json"))
        let second = try train(["--epochs", "1", "--steps", "2"])
        XCTAssertTrue(second.contains("training auto from fresh weights (learning rate 0.003) on"), second)
        let newest = try XCTUnwrap(try database.models(kind: "auto").first { $0.name != first.name })
        XCTAssertNil(newest.parent, "no parent: \(newest.parent ?? "")")
    }

    func testAFolderWithoutClickModelsTrainsFromTheShippedGenericOneListsItAndAFreshFolderInfersWithIt() throws {
        let shipped = folder + "-shipped", fresh = folder + "-fresh"
        defer { for f in [shipped, fresh] { try? FileManager.default.removeItem(atPath: f) } }
        try FileManager.default.createDirectory(atPath: shipped, withIntermediateDirectories: true)
        var config = ModelConfig.generic(.deepgrow3d)
        config.features = [4, 4, 8, 8, 16, 4]
        config.patch = [32, 32, 16]
        try SegmentationModel(config: config, seed: 9).save(to: shipped + "/deepgrow3d-generic.safetensors", halfPrecision: true)
        let environment = ["TERMLABEL_MODELS": shipped]

        // Training starts from it (scored first, like any serving model) and names it as the parent; --fresh does not.
        let run = try runTermlabel(["train", folder, "--model", "deepgrow3d", "--epochs", "1", "--steps", "1"], environment: environment)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.contains("deepgrow3d-generic (serving) scores"), run.out)
        let database = try AppDatabase(folder: folder)
        let tuned = try XCTUnwrap(try database.models(kind: "deepgrow3d").first { $0.origin == .trained })
        XCTAssertEqual(tuned.parent, "deepgrow3d-generic")
        XCTAssertEqual(try SegmentationModel.configuration(of: tuned.weightsPath), config, "fine-tuned: the generic network's grid and crop")
        // Both scored on the settled answers to five robot clicks: the generic network has learnt nothing, but settled
        // on the seeds' likelihood it answers better than the briefly tuned one on its own probability, and serves on.
        let generic = try database.model(named: "deepgrow3d-generic")
        XCTAssertEqual(generic.metrics["clicks"], 5)
        XCTAssertEqual(tuned.metrics["clicks"], 5)
        XCTAssertGreaterThan(try XCTUnwrap(generic.score), try XCTUnwrap(tuned.score) + 0.1)
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "deepgrow3d-generic")
        let again = try runTermlabel(["train", folder, "--model", "deepgrow3d", "--epochs", "1", "--steps", "1", "--fresh"], environment: environment)
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertNil(try database.models(kind: "deepgrow3d").first!.parent, "a fresh run has no parent")
        XCTAssertTrue(FileManager.default.fileExists(atPath: shipped + "/deepgrow3d-generic.safetensors"), "retention never deletes it")
        let list = try runTermlabel(["model", "list", folder], environment: environment)
        XCTAssertEqual(list.status, 0, list.err)
        let card = try XCTUnwrap(list.out.split(separator: "\n").first { $0.dropFirst(2).hasPrefix("deepgrow3d  deepgrow3d-generic ") }, list.out)
        XCTAssertTrue(card.contains("generic (shipped)") && card.contains("3×3×3"), String(card))
        XCTAssertTrue(card.hasSuffix(String(format: "liver %.2f", try XCTUnwrap(generic.metrics["liver"]))), String(card))
        XCTAssertFalse(card.contains("clicks"), "the clicks scored are no label: \(card)")
        XCTAssertFalse(list.out.contains("deepgrow2d"), "no 2D model shipped here")

        // Training on synthetic studies continues it too.
        let synthetic = try runTermlabel(["train", folder, "--model", "deepgrow3d", "--synthetic", "1", "--epochs", "1", "--steps", "1",
                                          "--keep", "9"], environment: environment)
        XCTAssertEqual(synthetic.status, 0, synthetic.err)
        XCTAssertTrue(synthetic.out.contains("training deepgrow3d from the shipped generic model (learning rate 0.003) on 1 synthetic studies"), synthetic.out)
        let continued = try XCTUnwrap(try database.models(kind: "deepgrow3d").filter { $0.name.contains("-generic-") }.first, "registered")
        XCTAssertEqual(continued.parent, "deepgrow3d-generic")
        XCTAssertEqual(try SegmentationModel.configuration(of: continued.weightsPath), config, "the shipped network, continued")

        // A folder holding one image and nothing else answers clicks with it.
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/case_1.nii.gz", toPath: fresh + "/case_1.nii.gz")
        let (out, clicks) = (fresh + "-answer.nii.gz", fresh + "-clicks.json")
        defer { for f in [out, clicks] { try? FileManager.default.removeItem(atPath: f) } }
        try Data(#"{"foreground": [[16, 16, 6]], "background": [[2, 2, 2]]}"#.utf8).write(to: URL(fileURLWithPath: clicks))
        let inferred = try runTermlabel(["infer", fresh, "--study", "case_1", "--model", "deepgrow3d", "--clicks", clicks, "--out", out],
                                        environment: environment)
        XCTAssertEqual(inferred.status, 0, inferred.err)
        XCTAssertTrue(inferred.out.contains("case_1 with deepgrow3d-generic"), inferred.out)
        let answer = try LabelVolume(contentsOf: out)
        XCTAssertEqual(answer[16, 16, 6], 1, "a positive click ends up inside")
        XCTAssertEqual(answer[2, 2, 2], 0, "a negative one outside")
        // The generic network here has learnt nothing: settled with the clicks' own likelihood, its answer is still
        // the clicked organ (on this phantom's 9 mm voxels, 0.74; settled on the network's probability, one voxel).
        let truth = try LabelVolume(contentsOf: folder + "/labels/final/case_1.nii.gz")
        let organ = LabelVolume(grid: truth.grid, voxels: truth.voxels.map { $0 == truth[16, 16, 6] ? 1 : 0 })
        XCTAssertGreaterThan(answer.dice(with: organ, label: 1), 0.6, "organ \(truth[16, 16, 6]): \(answer.count(of: 1)) voxels for \(organ.count(of: 1))")
    }
}
