// `termlabel model …`: the folder's model registry.

import App
import ArgumentParser
import Datastore
import Engine
import Foundation
import Learning
import Segmenters
import Volume

extension ModelKind: ExpressibleByArgument {}

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "The folder's model registry.",
        subcommands: [ModelListCommand.self, ModelUseCommand.self, ModelRemoveCommand.self, ModelExportCommand.self, ModelImportCommand.self, ModelRunCommand.self]
    )
}
