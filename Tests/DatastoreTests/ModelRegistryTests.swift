// Which model serves and which survive retention, on registry rows whose scores and dates are set by the test.

import Datastore
import Foundation
import XCTest

final class ModelRegistryTests: XCTestCase {
    var fixture: StudyFolderFixture!
    var database: AppDatabase!

    override func setUpWithError() throws {
        fixture = try StudyFolderFixture(count: 6, labeled: 6)
        database = try AppDatabase(folder: fixture.path)
        try database.sync()
        try FileManager.default.createDirectory(atPath: database.modelsFolder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: fixture.path) }

    /// A registered model with a weights file (its bytes do not matter here), `minutes` ago.
    @discardableResult
    func register(_ name: String, score: Double?, minutes: Double, origin: ModelOrigin = .trained) throws -> ModelRecord {
        let path = database.modelsFolder + "/\(name).safetensors"
        try Data(name.utf8).write(to: URL(fileURLWithPath: path))
        return try database.registerModel(name: name, kind: "deepgrow3d", weightsPath: path, trainedOn: [], metrics: [:],
                                          at: Date(timeIntervalSinceNow: -60 * minutes), score: score, origin: origin)
    }

    func testTheBestScoreServesNotTheNewestAndAPinnedOrNewerImportOverrides() throws {
        try register("good", score: 0.77, minutes: 50)
        try register("worse-and-newer", score: 0.70, minutes: 40)
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "good")
        try register("as-good-and-newer", score: 0.77, minutes: 45)
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "good", "a checkpoint serves only by a higher score")
        try register("imported", score: nil, minutes: 30, origin: .imported)
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "imported", "an import newer than every scored model serves until scored")
        try register("better", score: 0.78, minutes: 20)
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "better")
        try database.pin("worse-and-newer")
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "worse-and-newer")
        try database.pin(nil, kind: "deepgrow3d")
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "better")
        // A serving model whose file is gone does not serve.
        try FileManager.default.removeItem(atPath: database.modelsFolder + "/better.safetensors")
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "imported", "newer than every scored model left")
    }

    func testRetentionKeepsServingPinnedImportedBestAndNewest() throws {
        for (n, score) in [0.50, 0.80, 0.60, 0.90, 0.55, 0.40, 0.45, 0.30].enumerated() {
            try register("m\(n)", score: score, minutes: Double(100 - n))
        }
        try register("imported", score: 0.1, minutes: 200, origin: .imported)
        try database.pin("m0")
        let removed = try database.retainModels(kind: "deepgrow3d", keep: 2)
        // Serving (pinned m0), imported, best two (m3 0.90, m1 0.80), newest two (m7, m6).
        let left = Set(try database.models(kind: "deepgrow3d").map(\.name))
        XCTAssertEqual(left, ["m0", "imported", "m3", "m1", "m7", "m6"])
        XCTAssertEqual(Set(removed), ["m2", "m4", "m5"])
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: database.modelsFolder))
        XCTAssertEqual(files, Set(left.map { $0 + ".safetensors" }), "the files left are the registry's")
    }

    func testTheValidationSplitIsDecidedOnceAndGrowsByTheRule() throws {
        let ids = (0..<5).map { String(format: "case_%02d", $0) }
        let first = try database.validationSplit(of: Array(ids.prefix(2)))
        XCTAssertEqual(first.validation, ["case_00"])
        XCTAssertEqual(first.training, ["case_01"])
        let grown = try database.validationSplit(of: ids)
        XCTAssertEqual(grown.validation, ["case_00"], "the earlier studies keep their side; a fifth of five is one")
        let more = try database.validationSplit(of: ids + ["case_05"])
        XCTAssertEqual(more.validation, ["case_00"])
        let overridden = try database.validationSplit(of: ids, override: ["case_02", "case_03"])
        XCTAssertEqual(overridden.validation, ["case_02", "case_03"])
        XCTAssertEqual(try database.validationSplit(of: ids).validation, ["case_02", "case_03"], "the override is stored")
        XCTAssertThrowsError(try database.validationSplit(of: ids, override: ["nobody"]))
    }
}
