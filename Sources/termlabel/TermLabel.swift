// The termlabel command: opens the annotation app by default, and offers headless verbs.

import App
import ArgumentParser
import Benchmarks
import CommandOptions

@main
struct TermLabel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "termlabel",
        abstract: "AI-assisted annotation of 3D medical images (NIfTI) in the terminal.",
        discussion: """
            --max-memory SIZE (with any verb; or TERMLABEL_MAX_MEMORY) caps the memory one image may take once read, \
            e.g. 4G; an image that needs more is refused before anything is allocated. Default: three quarters of \
            the memory available at the start.
            """,
        subcommands: [OpenCommand.self, InfoCommand.self, ImportCommand.self, ListCommand.self, SubmitCommand.self, ReviewCommand.self, ExportCommand.self, StatsCommand.self, SegmentCommand.self, InterpolateCommand.self, TrainCommand.self, InferCommand.self, ServeCommand.self, ModelCommand.self, RankCommand.self, PlanCommand.self, EvalCommand.self, SamplesCommand.self, KeysCommand.self, DoctorCommand.self, BenchCommand.self],
        defaultSubcommand: OpenCommand.self
    )

    static func main() {
        MemoryPolicy.keepFreedBlocks()
        mainApplyingErrorPolicy()
    }
}
