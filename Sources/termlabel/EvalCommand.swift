// `termlabel eval …`: how well the assistants do on studies with ground truth, with simulated users.

import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the assistants against ground truth with simulated annotators.",
        subcommands: [ScribbleEval.self, ClickEval.self, ActiveLearningEval.self]
    )
}
