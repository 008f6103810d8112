// `termlabel stats DIR`: time and effort per study, from the annotation sessions.

import ArgumentParser
import Datastore
import Foundation

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Annotation effort per study and in total: active time, clicks, strokes, model calls, undos."
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
