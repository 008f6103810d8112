// Training in the app never makes the click tool worse: `t` on a folder with a good model, stopped after one epoch,
// leaves the good model serving, the message says so, and the next click is answered by it.

import Datastore
import Foundation
import Learning
import XCTest

extension TerminalEndToEndTests {
    func testStoppingTrainingAfterAnEpochKeepsTheBetterModelServing() throws {
        let samples = CLITests.repository.appendingPathComponent("samples/ct-abdomen")
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        for file in ["ct_001.nii.gz", "labels/final/ct_001.nii.gz", "labels.json"] {
            try FileManager.default.copyItem(atPath: samples.appendingPathComponent(file).path, toPath: folder + "/" + file)
        }
        let database = try AppDatabase(folder: folder)
        try database.sync()
        try saveSmallPlan(database, ctSampleFingerprint, patch: [48, 48, 16])
        let trained = try runTermlabel(["train", folder, "--model", "deepgrow3d", "--epochs", "1", "--steps", "2"])
        XCTAssertEqual(trained.status, 0, trained.err)
        // Its score stands for a model trained to 0.99 (training one that far takes many minutes in a debug build):
        // a first epoch of any continuation scores below it.
        let good = try XCTUnwrap(database.servingModel(kind: "deepgrow3d"))
        try database.rescore(good.id!, score: 0.99, metrics: ["dice": 0.99, "clicks": try XCTUnwrap(good.metrics["clicks"])],
                             validatedOn: good.validatedOn)

        start()
        waitFor("Studies (2)")
        send("j")
        send("Enter")
        waitFor("ct_004 │ axial 29/56")
        send("m")
        send("m")
        waitFor("DeepGrow 3D")
        send("t")
        waitFor("training deepgrow3d in the background")
        waitFor("⚙ deepgrow3d epoch 2/5", timeout: 240)
        send("t")
        waitFor("training stopped: deepgrow3d: kept \(good.name) (0.990); this run reached 0.", timeout: 120)
        XCTAssertEqual(try database.models(kind: "deepgrow3d").count, 2, "the run's checkpoint is registered, not serving")
        send(" ")
        waitFor("DeepGrow 3D (\(good.name)) in", timeout: 120)
        send("q")
    }
}
