// Study-list verbs: import (sync a folder), list, submit (a label made elsewhere, as a new version).

import ArgumentParser
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
        try reportingErrors {
            let database = try AppDatabase(folder: folder)
            let report = try database.sync()
            for problem in report.problems { printError(problem) }
            print("\(report.added.count) added, \(report.changed.count) changed, \(report.missing.count) missing, "
                  + "\(report.returned.count) back, \(report.labelVersions.count) label versions registered")
            print("study list: \(database.location.databasePath)")
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the studies of a folder with their status, labels and who holds them."
    )

    @Argument(help: "A study folder (default: the current folder).")
    var folder = "."

    @Option(help: "Only studies with this status: unlabeled, in progress, labeled, reviewed, missing.")
    var status: String?

    @Flag(help: "One JSON object per study and line.")
    var json = false

    func validate() throws {
        if let status, StudyStatus(rawValue: status) == nil {
            throw ValidationError("--status is one of: " + StudyStatus.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        try reportingErrors {
            let database = try AppDatabase(folder: folder)
            let report = try database.sync()
            for problem in report.problems { printError(problem) }
            let rows = try database.studyRows().filter { status == nil || $0.study.status.rawValue == status }
            if json {
                for row in rows { print(row.json) }
                return
            }
            print("study list: \(database.location.databasePath)"
                  + (database.location.insideFolder ? "" : " (the folder is read-only)"))
            print("id".padding(toLength: 20, withPad: " ", startingAt: 0) + "status       labels                    claimed by")
            for row in rows {
                let labels = row.newest.map { "\($0.key) v\($0.value.version)" }.sorted().joined(separator: ", ")
                print(row.study.imageId.padding(toLength: 20, withPad: " ", startingAt: 0)
                      + row.study.status.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                      + labels.padding(toLength: 26, withPad: " ", startingAt: 0)
                      + (row.claim.map { $0.isExpired(at: Date()) ? "" : $0.holder } ?? ""))
            }
            let counts = Dictionary(grouping: rows, by: { $0.study.status }).mapValues(\.count)
            print("\(rows.count) studies: " + StudyStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", "))
        }
    }
}

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
        try reportingErrors {
            let database = try AppDatabase(folder: folder)
            try database.sync()
            let volume = try LabelVolume(contentsOf: label)
            let saved = try database.saveLabel(volume, imageId: study, tag: tag, basedOn: basedOn == 0 ? nil : basedOn,
                                               author: Annotator.current.user,
                                               names: LabelNamesFile.read(database.location.folder + "/labels.json"))
            print("saved \(study) \(tag) version \(saved.version)")
        }
    }
}

/// Runs a verb, turning the project's typed errors into one line on stderr and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DatastoreError {
        printError(error.description)
        throw ExitCode.failure
    } catch let error as VolumeError {
        printError(error.description)
        throw ExitCode.failure
    } catch let error as SegmentationError {
        printError(error.description)
        throw ExitCode.failure
    } catch let error as Keymap.Failure {
        printError(error.description)
        throw ExitCode.failure
    } catch let error as Theme.Failure {
        printError(error.description)
        throw ExitCode.failure
    }
}
