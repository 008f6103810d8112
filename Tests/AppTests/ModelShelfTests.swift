// The hot swap: a newer model in the folder's registry changes the very next inference, without reopening
// anything; a training run registers its best checkpoint there; and the app's DeepEdit click answers for the
// clicked label with every click where it was put.

import Datastore
import Engine
import Foundation
import Learning
import Segmenters
@testable import TUI
@testable import App
import Volume
import VolumeTesting
import XCTest

final class ModelShelfTests: XCTestCase {
    func folderWithOneStudy() throws -> String {
        let folder = NSTemporaryDirectory() + "shelf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        let grid = Grid(shape: [32, 32, 16], affine: .scaling(2, 2, 3))
        let noise = Tensor.randomNormal([grid.voxelCount], std: 100, seed: 3).data
        try Volume(grid: grid, voxels: noise).write(to: folder + "/img_001.nii.gz")
        var labels = LabelVolume(grid: grid)
        for n in 0..<grid.voxelCount where noise[n] > 50 { labels.voxels[n] = 1 }
        try labels.write(to: folder + "/labels/final/img_001.nii.gz")
        try Data(#"{"labels": {"organ": 1}}"#.utf8).write(to: URL(fileURLWithPath: folder + "/labels.json"))
        return folder
    }

    /// The plan sizes DeepEdit's guidance and DeepGrow's validation by the number of labels: those the folder
    /// names, else the values its labels hold; never the largest value (here 7, with one label named, and then
    /// two values with a gap).
    func testThePlanCountsTheLabelsTheFolderNamesOrTheValuesItsLabelsHold() throws {
        let folder = try folderWithOneStudy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var labels = try LabelVolume(contentsOf: folder + "/labels/final/img_001.nii.gz")
        labels.voxels = labels.voxels.map { $0 == 1 ? 7 : 0 }
        labels.voxels[0] = 2
        try labels.write(to: folder + "/labels/final/img_001.nii.gz")
        let names = try Data(contentsOf: URL(fileURLWithPath: folder + "/labels.json"))
        try FileManager.default.removeItem(atPath: folder + "/labels.json")
        let database = try AppDatabase(folder: folder)
        try database.sync()
        XCTAssertEqual(try DatasetSurvey(database: database).fingerprint(sample: 4).labelCount, 2, "no names: the values 2 and 7")
        try names.write(to: URL(fileURLWithPath: folder + "/labels.json"))
        XCTAssertEqual(try DatasetSurvey(database: database).fingerprint(sample: 4).labelCount, 1, "labels.json names the organ alone")
    }

    func testADeepEditClickInTheAppAnswersForItsLabelAndHoldsItsClicks() throws {
        let folder = try folderWithOneStudy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try AppDatabase(folder: folder)
        try database.sync()
        let shelf = ModelShelf(database: database)
        try registerSmallModel(shelf, kind: .deepedit, seed: 7, at: Date())

        let image = try Volume(contentsOf: folder + "/img_001.nii.gz")
        var seeds = LabelVolume(grid: image.grid)
        let balls = Seeds(positive: [VoxelIndex(16, 16, 8)], negative: [VoxelIndex(4, 4, 4), VoxelIndex(28, 6, 12)], radiusMM: 3, grid: image.grid)
        let (inside, outside) = (balls.foreground[1]!, balls.background)
        for v in inside { seeds.voxels[image.grid.offset(v)] = 1 }
        for v in outside { seeds.voxels[image.grid.offset(v)] = Draft.backgroundSeed }
        let clicks = [Click(VoxelIndex(16, 16, 8), label: 1, positive: true), Click(VoxelIndex(4, 4, 4), label: 1, positive: false),
                      Click(VoxelIndex(28, 6, 12), label: 1, positive: false)]
        let request = ModelRequest(task: .clicks(.deepedit), studyId: "img_001", image: image, seeds: seeds, clicks: clicks, label: 1)
        guard case .inferred(let result, let labels, _, _, let note) = ModelAssistant(shelf: shelf, clock: ManualClock()).run(request, cancellation: Cancellation()) else {
            return XCTFail("the click was not answered")
        }
        XCTAssertEqual(labels, [1], "DeepEdit speaks for the clicked label only")
        XCTAssertTrue(note.contains("deepedit-7"))
        for v in inside { XCTAssertEqual(result.voxels[image.grid.offset(v)], 1, "a click for the organ is organ") }
        for v in outside { XCTAssertEqual(result.voxels[image.grid.offset(v)], 0, "a background click is background") }
    }

    func testANewerModelInTheRegistryChangesTheNextInference() throws {
        let folder = try folderWithOneStudy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try AppDatabase(folder: folder)
        try database.sync()
        let shelf = ModelShelf(database: database)
        XCTAssertNil(try shelf.current(.auto))
        try registerSmallModel(shelf, seed: 1, at: Date(timeIntervalSinceNow: -60))
        let image = try Volume(contentsOf: folder + "/img_001.nii.gz")
        func infer() throws -> (String, [Float]) {
            let (record, model) = try XCTUnwrap(try shelf.current(.auto))
            let prepared = PreparedImage(image, config: model.config)
            return (record.name, Inference.probabilities(model, image: prepared.image, shape: prepared.shape, clicks: ClickSet()))
        }
        let (firstName, first) = try infer()
        XCTAssertEqual(firstName, "auto-1")
        XCTAssertEqual(try infer().1, first, "the same model, the same answer")
        // Another process (a training run) registers a newer model: the next call uses it.
        let other = ModelShelf(database: try AppDatabase(folder: folder))
        try registerSmallModel(other, seed: 2, at: Date())
        let (secondName, second) = try infer()
        XCTAssertEqual(secondName, "auto-2")
        XCTAssertNotEqual(second, first)
    }

    func testTrainingRegistersItsBestCheckpoint() throws {
        let folder = try folderWithOneStudy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try AppDatabase(folder: folder)
        try database.sync()
        let shelf = ModelShelf(database: database)
        var config = ModelConfig.defaults(.auto, labels: try shelf.labels(), modality: "other")
        config.features = [4, 4, 8, 8, 16, 4]
        config.patch = [32, 32, 16]
        config.window = nil
        var options = TrainingOptions()
        options.epochs = 2
        options.stepsPerEpoch = 2
        let (ids, load) = try shelf.trainingStudies()
        let trainer = try Trainer(model: try SegmentationModel(config: config), studies: ids, options: options, load: load)
        XCTAssertEqual(trainer.trainingIds, ["img_001"])
        XCTAssertEqual(trainer.validationIds, ["img_001"], "one study: validated on itself")
        var names: [String] = []
        _ = try trainer.run(checkpoint: { model, summary in names.append(try shelf.register(model, summary: summary, run: "test").name) })
        let registered = try database.models(kind: "auto")
        XCTAssertEqual(registered.map(\.name), names.reversed())
        XCTAssertEqual(registered.first?.trainedOn, ["img_001"])
        XCTAssertNotNil(registered.first?.metrics["organ"])
        XCTAssertEqual(try shelf.current(.auto)?.record.name, names.last)
        // A second run named by the same second: its checkpoints get names (and files) of their own.
        _ = try trainer.run(checkpoint: { model, summary in names.append(try shelf.register(model, summary: summary, run: "test").name) })
        XCTAssertEqual(Set(names).count, names.count, "\(names)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: database.modelsFolder).count, names.count)
    }

    func testScoresAreComputedOncePerModelAndAgainForANewerOne() throws {
        let folder = try folderWithOneStudy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let grid = Grid(shape: [32, 32, 16], affine: .scaling(2, 2, 3))
        try Volume(grid: grid, voxels: Tensor.randomNormal([grid.voxelCount], std: 100, seed: 8).data).write(to: folder + "/img_002.nii.gz")
        let database = try AppDatabase(folder: folder)
        try database.sync()
        let shelf = ModelShelf(database: database)
        XCTAssertThrowsError(try StudyRanking(database: database).rank(.epistemic)) { error in
            guard case .noModel(let kinds, _)? = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(kinds, [.auto, .deepedit], "an automatic or a DeepEdit model would do")
        }
        try registerSmallModel(shelf, seed: 1, at: Date(timeIntervalSinceNow: -60))
        var scored: [String] = []
        let first = try StudyRanking(database: database).rank(.epistemic, passes: 3) { scored.append($0) }
        XCTAssertEqual(first.map(\.id), ["img_002"], "only the unlabeled study is ranked")
        XCTAssertEqual(scored.count, 1)
        let again = try StudyRanking(database: database).rank(.epistemic, passes: 3) { scored.append($0) }
        XCTAssertEqual(scored.count, 1, "the same model: the stored score is used")
        XCTAssertEqual(again.first?.score, first.first?.score)
        try registerSmallModel(shelf, seed: 2, at: Date())
        let renewed = try StudyRanking(database: database).rank(.epistemic, passes: 3) { scored.append($0) }
        XCTAssertEqual(scored.count, 2, "a newer model: scored again")
        XCTAssertNotEqual(renewed.first?.score, first.first?.score)
        XCTAssertGreaterThan(renewed.first?.score ?? 0, 0)
    }

    func testAFolderWithoutAClickModelServesTheGenericOneTrainsFromItAndNeverDeletesIt() throws {
        let folder = try folderWithOneStudy()
        let shipped = NSTemporaryDirectory() + "generic-\(UUID().uuidString)"
        defer { for f in [folder, shipped] { try? FileManager.default.removeItem(atPath: f) } }
        try FileManager.default.createDirectory(atPath: shipped, withIntermediateDirectories: true)
        var config = ModelConfig.generic(.deepgrow3d)
        config.features = [4, 4, 8, 8, 16, 4]
        let generic = try SegmentationModel(config: config, seed: 11)
        let path = shipped + "/" + GenericModels.fileName(.deepgrow3d)
        try generic.save(to: path, halfPrecision: true)
        let database = try AppDatabase(folder: folder)
        try database.sync()

        XCTAssertNil(try ModelShelf(database: database, generic: GenericModels(folder: nil)).current(.deepgrow3d), "nothing shipped, nothing serves")
        let shelf = ModelShelf(database: database, generic: GenericModels(folder: shipped))
        let (record, served) = try XCTUnwrap(try shelf.current(.deepgrow3d))
        XCTAssertEqual(record.name, "deepgrow3d-generic")
        XCTAssertEqual(record.origin, .generic)
        XCTAssertEqual(served.config, config)
        XCTAssertNil(try shelf.current(.deepgrow2d), "no 2D model shipped here")
        XCTAssertNil(try shelf.current(.auto), "automatic models are the folder's own")

        // Training starts from it unless fresh.
        let (start, from) = try shelf.startingPoint(.deepgrow3d, fresh: false, seed: 3)
        XCTAssertEqual(from?.name, "deepgrow3d-generic")
        XCTAssertEqual(start.config, config)
        XCTAssertEqual(start.withNetwork { $0.namedTensors }.map(\.tensor.data), served.withNetwork { $0.namedTensors }.map(\.tensor.data))
        let fresh = try shelf.startingPoint(.deepgrow3d, fresh: true, seed: 3)
        XCTAssertNotEqual(fresh.model.config, config)
        XCTAssertNil(fresh.from)

        // Retention keeps it, and removing it removes the row, never the shipped file.
        for seed in 1...3 { try registerSmallModel(shelf, kind: .deepgrow3d, seed: UInt64(seed), at: Date(timeIntervalSinceNow: Double(seed))) }
        XCTAssertEqual(Set(try database.retainModels(kind: "deepgrow3d", keep: 1)), ["deepgrow3d-1", "deepgrow3d-2"])
        XCTAssertTrue(try database.models(kind: "deepgrow3d").contains { $0.name == "deepgrow3d-generic" })
        try database.removeModel("deepgrow3d-generic")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
    }
}
