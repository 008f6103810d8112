// `termlabel bench …`: speed and memory figures, measured in a release build, side by side with a peer where
// one is installed.

import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory (build with -c release).",
        subcommands: [NiftiBench.self, GraphCutBench.self, SyncBench.self, RenderBench.self, EngineBench.self]
    )
}
