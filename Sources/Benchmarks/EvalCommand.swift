// `termlabel eval …`: how well the assistants do on studies with ground truth, with simulated users.

import ArgumentParser

public struct EvalCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the assistants against ground truth with simulated annotators.",
        subcommands: [ScribbleEval.self, ClickEval.self, ActiveLearningEval.self]
    )
}

extension String {
    /// Padded with spaces to `width` for a table's column; never cut (a cut name no longer says which row it is).
    func column(_ width: Int) -> String { count >= width ? self : padding(toLength: width, withPad: " ", startingAt: 0) }
}
