import ArgumentParser

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "samples", abstract: "Generate the bundled sample studies.")
    func run() throws {}
}
