// `termlabel import DIR`: syncs a study folder into its study list.

import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Segmenters
import TUI
import Volume

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Sync a study folder into its study list: new, changed and missing images, label files found on disk."
    )

    @Argument(help: "A study folder (images, labels/<tag>/<image id>.nii.gz).")
    var folder: String

    func run() throws {
        let database = try AppDatabase(folder: folder)
        let report = try database.sync()
        for problem in report.problems { printError(problem) }
        print("\(report.added.count) added, \(report.changed.count) changed, \(report.missing.count) missing, "
              + "\(report.returned.count) back, \(report.labelVersions.count) label versions registered")
        print("study list: \(database.location.databasePath)")
    }
}
