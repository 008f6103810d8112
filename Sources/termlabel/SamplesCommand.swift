// `termlabel samples`: regenerates the bundled sample studies from their seeds.

import ArgumentParser
import Foundation
import VolumeTesting

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Generate the sample studies (CT abdomen and MRI head phantoms with ground truth) from their seeds."
    )

    @Option(name: .long, help: "Folder to write the sets into.")
    var out = "samples"

    @Option(name: .long, help: "Only this set (ct-abdomen or mri-head).")
    var set: String?

    @Flag(help: "Write the ground truth of every study, the unlabeled ones too (held-out data for evaluation).")
    var allLabeled = false

    @Option(help: "Also write this many studies of each set from other seeds, all with ground truth, into <set>-held-out.")
    var heldOut = 0

    func validate() throws {
        if heldOut < 0 { throw ValidationError("--held-out must be 0 or more") }
        if let set, !SampleSets.cases.contains(where: { $0.set == set }) {
            throw ValidationError("unknown set '\(set)'; the sets are ct-abdomen and mri-head")
        }
    }

    func run() throws {
        try SampleSets.write(to: out, only: set, allLabeled: allLabeled, heldOut: heldOut) { print("wrote \($0)") }
    }
}
