// `termlabel samples`: regenerates the bundled sample studies from their seeds.

import ArgumentParser
import Foundation
import Synthesis
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

    @Option(help: "Instead of the sample sets, write this many synthetic training studies (random shapes, contrasts and acquisitions) into <out>/synthetic.")
    var synthetic = 0

    @Option(help: "The first synthetic study's seed (study n uses seed + n).")
    var seed: UInt64 = 1

    func validate() throws {
        if heldOut < 0 { throw ValidationError("--held-out must be 0 or more") }
        if synthetic < 0 { throw ValidationError("--synthetic must be 0 or more") }
        if let set, !SampleSets.cases.contains(where: { $0.set == set }) {
            throw ValidationError("unknown set '\(set)'; the sets are ct-abdomen and mri-head")
        }
    }

    func run() throws {
        if synthetic > 0 { return try writeSynthetic() }
        try SampleSets.write(to: out, only: set, allLabeled: allLabeled, heldOut: heldOut) { print("wrote \($0)") }
    }

    /// A study folder of synthetic studies: images, every structure's label in labels/final, and synthetic.json
    /// saying how each was drawn (its seed, voxel size and the kind of each label value).
    func writeSynthetic() throws {
        let folder = out + "/synthetic"
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        var records: [[String: Any]] = []
        var most = 0
        for n in 0..<synthetic {
            let id = String(format: "syn_%04d", n + 1)
            let study = SyntheticStudy.make(seed: seed + UInt64(n))
            try study.image.write(to: folder + "/\(id).nii.gz")
            try study.labels.write(to: folder + "/labels/final/\(id).nii.gz")
            most = max(most, study.record.kinds.count)
            records.append(["id": id, "seed": seed + UInt64(n), "spacing": study.record.spacingMM, "kinds": study.record.kinds.map(\.rawValue),
                            "ct_like": study.record.ctLike, "inverted": study.record.inverted, "rician": study.record.rician])
            print("wrote \(folder)/\(id).nii.gz")
        }
        // Structures have no names across studies: each value is "structure N".
        let labels = Dictionary(uniqueKeysWithValues: (1...max(most, 1)).map { ("structure_\($0)", $0) })
        try JSONSerialization.data(withJSONObject: ["labels": labels], options: [.sortedKeys, .prettyPrinted])
            .write(to: URL(fileURLWithPath: folder + "/labels.json"))
        try JSONSerialization.data(withJSONObject: records, options: [.sortedKeys, .prettyPrinted])
            .write(to: URL(fileURLWithPath: folder + "/synthetic.json"))
    }
}
