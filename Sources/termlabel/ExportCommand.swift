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

    @Flag(help: "Only studies whose final label a reviewer accepted.")
    var reviewedOnly = false

    func validate() throws {
        guard ExportFormat(rawValue: format) != nil else { throw ValidationError("--format is monai or nnunet") }
    }

    func run() throws {
        let summary = try AppDatabase(folder: folder).export(to: output, format: ExportFormat(rawValue: format)!, copy: copy,
                                                             reviewedOnly: reviewedOnly)
        if reviewedOnly {
            print("\(summary.training) reviewed studies for training in \(output); \(summary.leftOut) not accepted by a reviewer left out")
        } else {
            print("\(summary.training) labeled studies for training, \(summary.test) without labels, in \(output)")
        }
        for note in summary.notes { print("note: " + note) }
    }
}
