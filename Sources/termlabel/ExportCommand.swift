// `termlabel export DIR`: the studies with final labels as a MONAI (Decathlon) or nnU-Net dataset, for training elsewhere.

import ArgumentParser
import Datastore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the studies with their final labels as a MONAI (Decathlon) or nnU-Net dataset."
    )

    @Argument(help: "The study folder.")
    var folder: String

    @Option(help: "monai or nnunet.")
    var format: String

    @Argument(help: "The folder to write the dataset into.")
    var output: String

    @Flag(help: "Copy the files instead of linking them.")
    var copy = false

    func validate() throws {
        guard ExportFormat(rawValue: format) != nil else { throw ValidationError("--format is monai or nnunet") }
    }

    func run() throws {
        let summary = try AppDatabase(folder: folder).export(to: output, format: ExportFormat(rawValue: format)!, copy: copy)
        print("\(summary.training) labeled studies for training, \(summary.test) without labels, in \(output)")
    }
}
