// `termlabel list DIR`: the study list, with each study's status, labels and holder.

import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Segmenters
import TUI
import Volume

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the studies of a folder with their status, labels and who holds them."
    )

    @Argument(help: "A study folder (default: the current folder).")
    var folder = "."

    @Option(help: "Only studies with this status: unlabeled, in progress, labeled, reviewed, missing, unreadable.")
    var status: String?

    @Flag(help: "One JSON object per study and line.")
    var json = false

    func validate() throws {
        if let status, StudyStatus(rawValue: status) == nil && status != "unreadable" {
            throw ValidationError("--status is one of: " + StudyStatus.allCases.map(\.rawValue).joined(separator: ", ") + ", unreadable")
        }
    }

    func run() throws {
        let database = try AppDatabase(folder: folder)
        let report = try database.sync()
        for problem in report.problems { printError(problem) }
        let rows = try database.studyRows().filter { status == nil || $0.study.status.rawValue == status }
        // Image files that are not studies, listed with why, so that a bad file is seen rather than missed.
        let skipped = status == nil || status == "unreadable" ? report.skippedImages : []
        if json {
            for row in rows { print(row.json) }
            for file in skipped {
                let object = ["file": file.name, "status": "unreadable", "reason": file.reason]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            }
            return
        }
        print("study list: \(database.location.databasePath)"
              + (database.location.insideFolder ? "" : " (the folder is read-only)"))
        print("id".padding(toLength: 20, withPad: " ", startingAt: 0) + "status       labels                    claimed by          review")
        for row in rows {
            let labels = row.newest.map { "\($0.key) v\($0.value.version)" }.sorted().joined(separator: ", ")
            print(TerminalText.escaped(row.study.imageId).padding(toLength: 20, withPad: " ", startingAt: 0)
                  + row.study.status.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                  + labels.padding(toLength: 26, withPad: " ", startingAt: 0)
                  + TerminalText.escaped(row.claim.map { $0.isExpired(at: Date()) ? "" : $0.holder } ?? "").padding(toLength: 20, withPad: " ", startingAt: 0)
                  + TerminalText.escaped(row.review.map(ListCommand.describe) ?? ""))
        }
        for file in skipped {
            print(TerminalText.escaped(file.name).padding(toLength: 20, withPad: " ", startingAt: 0) + "unreadable   " + TerminalText.escaped(file.reason))
        }
        let counts = Dictionary(grouping: rows, by: { $0.study.status }).mapValues(\.count)
        print("\(rows.count) studies: " + StudyStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
              + (skipped.isEmpty ? "" : "; \(skipped.count) unreadable files"))
    }

    /// "accepted by bob", "flagged 2 by bob: check the pole".
    static func describe(_ decision: ReviewDecision) -> String {
        decision.verdictText + " by \(decision.reviewer)"
            + (decision.comment.isEmpty ? "" : ": \(decision.comment)")
    }
}
