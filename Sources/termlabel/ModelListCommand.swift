// `termlabel model list DIR`: the registered models, newest first.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Engine
import Foundation
import Learning
import Segmenters
import Volume

struct ModelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Registered models, newest first.")

    @OptionGroup var studyFolder: StudyFolderArgument

    func run() throws {
        let database = try studyFolder.database(synced: false)
        let formatter = ISO8601DateFormatter()
        for m in try database.models() {
            let dice = m.metrics["dice"].map { String(format: "Dice %.3f", $0) } ?? ""
            print("\(m.kind.padding(toLength: 11, withPad: " ", startingAt: 0)) \(m.name)  \(formatter.string(from: m.createdAt))  \(dice)  \(m.weightsPath)")
        }
    }
}
