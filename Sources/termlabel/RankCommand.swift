// `termlabel rank DIR --strategy S`: the unlabeled studies in the order the strategy would serve them, with the
// model scores computed where missing (once per model: a newer model makes them stale).

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Segmenters
import Volume

extension Strategy: ExpressibleByArgument {}

struct RankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Rank the unlabeled studies: first, random, epistemic (MC dropout) or aleatoric (test-time augmentation)."
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Option(help: "first, random, epistemic or aleatoric.")
    var strategy: Strategy = .first

    @Option(help: "Stochastic or augmented passes per study (model strategies).")
    var passes = 8

    @Option(help: "Seed of the random strategy.")
    var seed: UInt64?

    @Flag(help: "One JSON object per study.")
    var json = false

    func run() throws {
        let database = try studyFolder.database()
        let ranking = try StudyRanking(database: database).rank(strategy, passes: passes, seed: seed ?? UInt64(Date().timeIntervalSince1970)) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        for (n, c) in ranking.enumerated() {
            if json {
                let score = c.score.map { String(format: "%.6f", $0) } ?? "null"
                print("{\"rank\": \(n + 1), \"id\": \"\(c.id)\", \"strategy\": \"\(strategy.rawValue)\", \"score\": \(score)}")
            } else {
                print(String(format: "%3d  %@  %@", n + 1, c.id.padding(toLength: 16, withPad: " ", startingAt: 0), c.score.map { String(format: "%.5f", $0) } ?? ""))
            }
        }
    }
}
