// Small models registered in a study folder, for tests that need one answering in a moment.

@testable import App
import Foundation
import Learning

/// Registers an untrained network of `kind` with few features (its answers are fixed by `seed`).
func registerSmallModel(_ shelf: ModelShelf, kind: ModelKind = .auto, seed: UInt64, at date: Date) throws {
    var config = ModelConfig.defaults(kind, labels: try shelf.labels(), modality: "other")
    config.features = [4, 4, 8, 8, 16, 4]
    config.patch = [32, 32, 16]
    config.window = nil
    let model = try SegmentationModel(config: config, seed: seed)
    let name = "\(kind.rawValue)-\(seed)"
    let path = shelf.database.modelsFolder + "/\(name).safetensors"
    try FileManager.default.createDirectory(atPath: shelf.database.modelsFolder, withIntermediateDirectories: true)
    try model.save(to: path)
    try shelf.database.registerModel(name: name, kind: kind.rawValue, weightsPath: path, trainedOn: [], metrics: [:], at: date)
}
