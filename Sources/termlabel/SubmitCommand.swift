// `termlabel submit DIR ID FILE`: a label made elsewhere, as a new version.

import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Segmenters
import TUI
import Volume

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Save a label file as the next version of a study's label (checked against the version it was made from)."
    )

    @Argument(help: "The study folder.")
    var folder: String

    @Argument(help: "The study's image id.")
    var study: String

    @Argument(help: "The label file, on the image's grid.")
    var label: String

    @Option(help: "The version this label was made from (0: none). Saving fails if a newer one exists.")
    var basedOn: Int

    @Option(help: "Label tag (final, original, …).")
    var tag = "final"

    func run() throws {
        let database = try AppDatabase(folder: folder)
        try database.sync()
        let volume = try LabelVolume(contentsOf: label)
        let saved = try database.saveLabel(volume, imageId: study, tag: tag, basedOn: basedOn == 0 ? nil : basedOn,
                                           author: Annotator.current.user,
                                           names: try LabelNamesFile.read(database.location.folder + "/labels.json"))
        print("saved \(study) \(tag) version \(saved.version)")
    }
}
