// `termlabel model rm DIR NAME`: delete a model and its weights file.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Volume

struct ModelRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a model and its weights file (a generic model: its registration only; the shipped file stays).")

    @OptionGroup var studyFolder: StudyFolderArgument

    @Argument(help: "The model's name.")
    var name: String

    func run() throws {
        let database = try studyFolder.database(synced: false)
        let kind = try database.model(named: name).kind
        try database.removeModel(name)
        print("removed \(name); \(kind): \(try database.servingModel(kind: kind)?.name ?? "no model") serves")
    }
}
