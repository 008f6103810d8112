// `termlabel stats DIR`: time and effort per study, from the annotation sessions.

import ArgumentParser
import Datastore
import Foundation
import Volume

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Annotation effort per study and in total (active time, clicks, strokes, model calls, undos), and reviews."
    )

    @Argument(help: "The study folder.")
    var folder = "."

    func run() throws {
        let database = try AppDatabase(folder: folder)
        let studies = Dictionary(uniqueKeysWithValues: try database.studies().map { ($0.id!, $0) })
        let sessions = try database.sessions()
        print("study               sessions  annotators  active      clicks  scribbles  brush  model calls  undos")
        for (studyId, group) in Dictionary(grouping: sessions, by: \.studyId).sorted(by: { $0.key < $1.key }) {
            print(line(studies[studyId]?.imageId ?? "?", AnnotationEffort(group)))
        }
        print(line("total", AnnotationEffort(sessions)))
        // Reviews: the newest decision on each study's newest final version.
        let items = try database.reviewQueue(ReviewQueueFilter(status: .all))
        let latest = items.compactMap(\.latest)
        let verdicts = Dictionary(grouping: latest, by: \.decision).mapValues(\.count)
        print("\nreviews: \(items.count) studies with a final label: " + ReviewVerdict.allCases.map { "\(verdicts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
              + ", \(items.count - latest.count) pending")
        for (reviewer, decisions) in Dictionary(grouping: latest, by: \.reviewer).sorted(by: { $0.key < $1.key }) {
            print("  " + TerminalText.escaped(reviewer).padding(toLength: 18, withPad: " ", startingAt: 0) + "\(decisions.count) decided")
        }
        for item in items where item.latest.map({ !$0.comment.isEmpty }) ?? false {
            print("  " + TerminalText.escaped(item.study.imageId).padding(toLength: 18, withPad: " ", startingAt: 0)
                  + TerminalText.escaped(ListCommand.describe(item.latest!)))
        }
    }

    func line(_ name: String, _ effort: AnnotationEffort) -> String {
        name.padding(toLength: 20, withPad: " ", startingAt: 0)
            + String(format: "%8d  %10d  ", effort.sessions, effort.annotators.count)
            + duration(effort.activeSeconds).padding(toLength: 10, withPad: " ", startingAt: 0)
            + String(format: "  %6d  %9d  %5d  %11d  %5d", effort.clicks, effort.scribbleStrokes, effort.brushStrokes,
                     effort.modelCalls, effort.undos)
    }

    func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
