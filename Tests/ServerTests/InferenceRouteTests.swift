// /infer/ as Slicer's plug-in calls it: clicks and scribbles in, a multipart answer out whose label lies on the
// image's grid, as NIfTI or NRRD; and a model trained from /train/ serving the next DeepGrow call.

@testable import App
import Datastore
import Foundation
import ServerTesting
import Learning
import Server
import Volume
import XCTest

final class InferenceRouteTests: XCTestCase {
    func testAClickOnTheLiverAnswersTheLiverOnTheImagesGridInBothFormats() throws {
        let served = try ServedFolder(count: 1, labeled: 0)
        let click = served.centre(of: 1, in: "case_00")
        let params = ServedFolder.json(["foreground": [[click.i, click.j, click.k]], "background": [[Int](repeating: 0, count: 3)], "client_id": "bob"])
        let reply = try served.client.multipart(method: "POST", "/infer/Clicks+GraphCut?image=case_00", fields: ["params": params])
        XCTAssertEqual(reply.status, 200, reply.detail)
        let parts = try reply.parts()
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: try XCTUnwrap(parts["params"]).data) as? [String: Any])
        XCTAssertEqual(answer["label_names"] as? [String: Int], ["foreground": 1])
        let file = try XCTUnwrap(parts["image"])
        XCTAssertEqual(file.filename, "case_00_Clicks+GraphCut.nii.gz")
        let label = try served.readLabel(file.data, suffix: ".nii.gz")
        XCTAssertEqual(label.grid, served.images["case_00"]!.grid, "the answer carries the image's geometry")
        let dice = label.dice(with: served.truths["case_00"]!, label: 1)
        XCTAssertGreaterThan(dice, 0.8, "one click on the liver of a phantom")

        let nrrdParams = ServedFolder.json(["foreground": [[click.i, click.j, click.k]], "background": [[Int](repeating: 0, count: 3)],
                                            "result_extension": ".nrrd"])
        let nrrd = try served.client.multipart(method: "POST", "/infer/Clicks+GraphCut?image=case_00", fields: ["params": nrrdParams])
        let nrrdFile = try XCTUnwrap(try nrrd.parts()["image"])
        XCTAssertTrue(nrrdFile.data.starts(with: Data("NRRD0004".utf8)))
        let fromNrrd = try served.readLabel(nrrdFile.data, suffix: ".nrrd")
        XCTAssertTrue(fromNrrd.grid.matches(label.grid), "NRRD keeps the geometry: \(fromNrrd.grid.affine) vs \(label.grid.affine)")
        XCTAssertTrue(fromNrrd.voxels == label.voxels, "the same clicks answer the same voxels in NRRD")
    }

    func testAFolderWithNoModelOffersTheGenericDeepGrowAndItAnswersAClick() throws {
        let shipped = NSTemporaryDirectory() + "generic-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: shipped) }
        try FileManager.default.createDirectory(atPath: shipped, withIntermediateDirectories: true)
        var config = ModelConfig.generic(.deepgrow3d)
        config.features = [4, 4, 8, 8, 16, 4]
        try SegmentationModel(config: config, seed: 5).save(to: shipped + "/" + GenericModels.fileName(.deepgrow3d), halfPrecision: true)
        let served = try ServedFolder(count: 1, labeled: 0, generic: GenericModels(folder: shipped))
        let models = try XCTUnwrap(try served.client.get("/info/").object["models"] as? [String: [String: Any]])
        XCTAssertEqual(models["deepgrow_3d"]?["description"] as? String, "deepgrow3d deepgrow3d-generic", "offered before any training")
        XCTAssertNil(models["deepgrow_2d"], "no 2D model shipped here")
        let click = served.centre(of: 1, in: "case_00")
        let params = ServedFolder.json(["foreground": [[click.i, click.j, click.k]], "background": [[Int]]()])
        let reply = try served.client.multipart(method: "POST", "/infer/deepgrow_3d?image=case_00", fields: ["params": params])
        XCTAssertEqual(reply.status, 200, reply.detail)
        let label = try served.readLabel(try XCTUnwrap(try reply.parts()["image"]).data, suffix: ".nii.gz")
        XCTAssertEqual(label[click.i, click.j, click.k], 1, "the clicked voxel is in the answer")
    }

    func testScribblesInMonaiLabelsValuesSegmentTheStructure() throws {
        let served = try ServedFolder(count: 1, labeled: 0)
        let truth = served.truths["case_00"]!
        let c = served.centre(of: 1, in: "case_00")
        var scribbles = LabelVolume(grid: truth.grid)
        // Foreground (3): a stroke through the liver's middle on three slices; background (2): every 97th voxel
        // of everything else, as strokes over the neighbours would sample them.
        for dk in -1...1 { for di in -3...3 { for dj in -1...1 where truth[c.i + di, c.j + dj, c.k + dk] == 1 { scribbles[c.i + di, c.j + dj, c.k + dk] = 3 } } }
        for n in stride(from: 0, to: truth.voxels.count, by: 97) where truth.voxels[n] != 1 { scribbles.voxels[n] = 2 }
        for tool in ["Scribbles+GraphCut", "Histogram+GraphCut", "GMM+GraphCut"] {
        let reply = try served.client.multipart(method: "POST", "/infer/\(tool)?image=case_00", fields: ["params": "{}"],
                                                files: [("label", "scribbles.nii.gz", try served.labelFile(scribbles))])
        XCTAssertEqual(reply.status, 200, reply.detail)
        let label = try served.readLabel(try XCTUnwrap(try reply.parts()["image"]).data, suffix: ".nii.gz")
        let liver = LabelVolume(grid: truth.grid, voxels: truth.voxels.map { $0 == 1 ? 1 : 0 })
        // The older histogram and mixture likelihoods are offered under MONAI Label's names; the default is better.
        XCTAssertGreaterThan(label.dice(with: liver, label: 1), tool == "Scribbles+GraphCut" ? 0.8 : 0.7, tool)
        }
    }

    func testTrainingFromTheAPIRunsOnceAtATimeAndItsModelServesDeepGrow() throws {
        let served = try ServedFolder(count: 2, labeled: 2)
        try saveSmallPlan(served.database)
        // Another process training on the folder: the API says so at once.
        try withExtendedLifetime(try TrainingLock(database: served.database)) {
            let busy = try served.client.send(method: "POST", "/train/deepgrow_3d", body: Data(#"{"max_epochs": 1}"#.utf8))
            XCTAssertEqual(busy.status, 429)
            XCTAssertTrue(busy.detail.contains("already runs"), busy.detail)
        }

        let started = try served.client.send(method: "POST", "/train/deepgrow_3d", body: Data(#"{"max_epochs": 1, "steps_per_epoch": 2}"#.utf8))
        XCTAssertEqual(started.status, 200, started.detail)
        XCTAssertEqual(started.object["status"] as? String, "RUNNING")
        XCTAssertEqual(try served.client.send(method: "POST", "/train/deepgrow_3d", body: Data("{}".utf8)).status, 429)
        let status = try served.finished("/train/")
        XCTAssertEqual(status["status"] as? String, "DONE", "\(status)")
        XCTAssertEqual(try served.client.get("/train/?check_if_running=true").status, 404)
        let info = try served.client.get("/info/").object
        XCTAssertEqual(((info["models"] as? [String: [String: Any]])?["deepgrow_3d"])?["type"] as? String, "deepgrow")
        XCTAssertNotNil((info["train_stats"] as? [String: Any])?["deepgrow_3d"])

        let click = served.centre(of: 1, in: "case_00")
        let reply = try served.client.multipart(method: "POST", "/infer/deepgrow_3d?image=case_00",
                                                fields: ["params": ServedFolder.json(["foreground": [[click.i, click.j, click.k]], "label": "liver"])])
        XCTAssertEqual(reply.status, 200, reply.detail)
        let parts = try reply.parts()
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: try XCTUnwrap(parts["params"]).data) as? [String: Any])
        XCTAssertEqual(answer["label_names"] as? [String: Int], ["liver": 1])
        XCTAssertTrue((answer["model"] as? String ?? "").hasPrefix("deepgrow3d-"))
        let label = try served.readLabel(try XCTUnwrap(parts["image"]).data, suffix: ".nii.gz")
        XCTAssertEqual(label.grid, served.images["case_00"]!.grid)
        XCTAssertEqual(label[click], 1, "the clicked voxel is in the answer")
        XCTAssertEqual(Set(label.voxels), [0, 1], "DeepGrow writes the asked label only")
    }
}

extension InferenceRouteTests {
    func testATrainingRunIsStoppedFromTheAPIAndScoringStoresItsScores() throws {
        let served = try ServedFolder(count: 3, labeled: 2)
        try saveSmallPlan(served.database)
        let started = try served.client.send(method: "POST", "/train/deepedit", body: Data(#"{"max_epochs": 200, "steps_per_epoch": 50}"#.utf8))
        XCTAssertEqual(started.status, 200, started.detail)
        XCTAssertEqual(try served.client.get("/train/?check_if_running=true").object["id"] as? String, started.object["id"] as? String)
        let stopped = try served.client.send(method: "DELETE", "/train/")
        XCTAssertEqual(stopped.object["status"] as? String, "STOPPED")
        // The run ends after its current step and lets go of the folder: the next one may start.
        var next: HTTPReply?
        for _ in 0..<600 {
            next = try served.client.send(method: "POST", "/train/deepedit", body: Data(#"{"max_epochs": 1, "steps_per_epoch": 1}"#.utf8))
            if next?.status != 429 { break }
            usleep(100_000)
        }
        XCTAssertEqual(next?.status, 200, next?.detail ?? "")
        _ = try served.finished("/train/")
        let runs = try XCTUnwrap(try served.client.get("/train/?all=true").json as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["status"] as? String }, ["STOPPED", "DONE"])
        XCTAssertEqual(try served.client.send(method: "DELETE", "/train/").json as? NSNull, NSNull(), "nothing runs: null, as MONAI Label answers")

        // The run registered a DeepEdit model: scoring the unlabeled study with it stores its score.
        let scoring = try served.client.send(method: "POST", "/scoring/epistemic", body: Data(#"{"passes": 2}"#.utf8))
        XCTAssertEqual(scoring.status, 200, scoring.detail)
        let status = try served.finished("/scoring/")
        XCTAssertEqual(status["status"] as? String, "DONE", "\(status)")
        let model = try XCTUnwrap(try served.database.servingModel(kind: "deepedit"))
        XCTAssertNotNil(try served.database.score("case_02", strategy: "epistemic", modelId: model.id))
        let next2 = try served.client.send(method: "POST", "/activelearning/epistemic", body: Data(#"{"client_id": "bob"}"#.utf8))
        XCTAssertEqual(next2.object["id"] as? String, "case_02")
        XCTAssertNotNil(next2.object["score"] as? Double)
    }
}

/// A plan with a small network, so that a training run takes seconds in a debug build.
func saveSmallPlan(_ database: AppDatabase) throws {
    let fingerprint = DatasetFingerprint(studies: 2, labeledStudies: 2, medianSpacingMM: [4.5, 4.5, 8], medianExtentMM: [288, 288, 160],
                                         largestVoxelCount: 64 * 64 * 20, modality: "CT", bodyPercentiles: [], labelCount: 5, smallestStructureMM3: nil)
    var plan = Planner.plan(fingerprint, machine: MachineProfile(cores: 2, freeMemoryBytes: 8 << 30, budgetSeconds: 60))
    for n in plan.models.indices {
        plan.models[n].config.features = [4, 4, 8, 8, 16, 4]
        plan.models[n].config.patch = plan.models[n].config.kind == .deepgrow2d ? [32, 32, 1] : [32, 32, 16]
    }
    try database.savePlan(String(decoding: try JSONEncoder().encode(plan), as: UTF8.self))
}
