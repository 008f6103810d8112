// `termlabel model import DIR WEIGHTS`: registers weights trained elsewhere (MONAI's BasicUNet) for the folder.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Engine
import Foundation
import Learning
import Segmenters
import Volume

struct ModelImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register weights (safetensors of a MONAI BasicUNet state dict, or a termlabel model) for the folder."
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Argument(help: "The weights (.safetensors).")
    var weights: String

    @Option(help: "deepedit, deepgrow2d, deepgrow3d or auto (needed unless the file is a termlabel model).")
    var model: ModelKind?

    @Option(help: "BasicUNet's six feature counts, e.g. 16,32,64,128,256,16.")
    var features: String?

    @Option(help: "Voxel size in mm the model was trained at, e.g. 3,3,3 (default: the kind's).")
    var spacing: String?

    @Option(help: "Patch size in voxels, multiples of 16 (default: the kind's).")
    var patch: String?

    @Option(help: "Sliding window of automatic and DeepEdit inference, multiples of 16 (default: the kind's).")
    var window: String?

    @Option(help: "A name for the registry.")
    var name: String?

    func run() throws {
        let database = try studyFolder.database(synced: false)
        let shelf = ModelShelf(database: database)
        var config: ModelConfig? = nil
        if let kind = model {
            var c = ModelConfig.defaults(kind, labels: try shelf.labels(), modality: try shelf.modality())
            // Weights from PyTorch have MONAI's inputs: image and guidance only.
            c.clickConnectivity = nil
            if let features { c.features = try numbers(features, "features").map { Int($0) } }
            if let spacing { c.spacingMM = try numbers(spacing, "spacing").map { Optional($0) } }
            if let patch { c.patch = try numbers(patch, "patch").map { Int($0) } }
            if let window { c.window = try numbers(window, "window").map { Int($0) } }
            config = c
        }
        let model = try SegmentationModel.load(weights, config: config)
        try FileManager.default.createDirectory(atPath: database.modelsFolder, withIntermediateDirectories: true)
        let kind = model.config.kind.rawValue
        let name = self.name ?? "\(kind)-imported-\(ModelShelf.runStamp())"
        let path = database.modelsFolder + "/\(name).safetensors"
        // Saved again with its configuration, so the registry's copy is self-describing.
        try model.save(to: path, metadata: ["importedFrom": weights])
        let record = try database.registerModel(name: name, kind: kind, weightsPath: path, trainedOn: [], metrics: [:],
                                                parent: (weights as NSString).lastPathComponent, origin: .imported)
        print("registered \(record.name) (\(kind), features \(model.config.features.map(String.init).joined(separator: ",")), "
              + "\(model.config.inChannels) in, \(model.config.outChannels) out) → \(path)")
    }

    func numbers(_ text: String, _ what: String) throws -> [Double] {
        let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == text.split(separator: ",").count, !values.isEmpty else {
            throw ModelError.badConfiguration("--\(what) takes numbers separated by commas, got \(text)")
        }
        return values
    }
}
