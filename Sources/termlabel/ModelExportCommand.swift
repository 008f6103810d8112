// `termlabel model export DIR NAME OUT.safetensors`: the weights with MONAI's names, the configuration beside them.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Volume

struct ModelExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model's weights (MONAI's parameter names) as safetensors, and its configuration as JSON beside them."
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Argument(help: "The model's name.")
    var name: String

    @Argument(help: "The file to write, e.g. model.safetensors (OUT.json gets the configuration).")
    var output: String

    @Flag(help: "Half precision (F16): half the size, for weights to ship.")
    var half = false

    func run() throws {
        let database = try studyFolder.database(synced: false)
        let record = try database.model(named: name)
        let model = try SegmentationModel.load(record.weightsPath)
        try model.save(to: output, metadata: ["exportedFrom": record.name], halfPrecision: half)
        let configPath = (output as NSString).deletingPathExtension + ".json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(model.config), to: configPath)
        print("\(record.name) → \(output) and \(configPath)")
    }
}
