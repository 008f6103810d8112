// `termlabel bench …`: speed and memory figures, measured in a release build, side by side with a peer where
// one is installed.

import ArgumentParser
import Foundation

public struct BenchCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory (build with -c release).",
        subcommands: [NiftiBench.self, GraphCutBench.self, ClickBench.self, SyncBench.self, RenderBench.self, ReviewBench.self, ServeBench.self, EngineBench.self, ModelBench.self]
    )
}

/// One benchmark figure on a line: "name  key value …", or a JSON object with `json`.
func printFigure(_ name: String, _ fields: [String: Double], json: Bool) {
    let sorted = fields.sorted { $0.key < $1.key }
    if json {
        print("{\"name\": \"\(name)\", " + sorted.map { "\"\($0.key)\": \(String(format: "%.4f", $0.value))" }.joined(separator: ", ") + "}")
    } else {
        print(name + "  " + sorted.map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: "  "))
    }
}
