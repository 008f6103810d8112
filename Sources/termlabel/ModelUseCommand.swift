// `termlabel model use DIR NAME`: pin a model (it serves its kind whatever the scores), or unpin a kind.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Volume

struct ModelUseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use",
        abstract: "Pin a model: it serves its kind until unpinned (--best KIND goes back to the best score)."
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Argument(help: "The model's name (termlabel model list).")
    var name: String?

    @Option(help: "Unpin this kind: the best-scoring model serves again.")
    var best: ModelKind?

    func validate() throws {
        if (name == nil) == (best == nil) { throw ValidationError("name a model to pin, or --best KIND to unpin") }
    }

    func run() throws {
        let database = try studyFolder.database(synced: false)
        try database.pin(name, kind: best?.rawValue)
        let kind = try name.map { try database.model(named: $0).kind } ?? best!.rawValue
        print("\(kind): \(try database.servingModel(kind: kind)?.name ?? "no model") serves" + (name != nil ? " (pinned)" : ""))
    }
}
