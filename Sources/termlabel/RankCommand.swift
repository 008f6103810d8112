// `termlabel rank DIR --strategy S`: the unlabeled studies in the order the strategy would serve them, with the
// model scores computed where missing (once per model: a newer model makes them stale).

import ArgumentParser
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

    @Argument(help: "A study folder.")
    var folder: String

    @Option(help: "first, random, epistemic or aleatoric.")
    var strategy: Strategy = .first

    @Option(help: "Stochastic or augmented passes per study (model strategies).")
    var passes = 8

    @Option(help: "Seed of the random strategy.")
    var seed: UInt64?

    @Flag(help: "One JSON object per study.")
    var json = false

    func run() throws {
        do {
            let database = try AppDatabase(folder: folder)
            try database.sync()
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
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}

/// The study list ranked by a strategy, with model scores computed and stored where missing.
struct StudyRanking {
    let database: AppDatabase

    /// Unlabeled studies (no final label, not missing), as candidates with the strategy's stored scores.
    func rank(_ strategy: Strategy, passes: Int = 8, seed: UInt64 = 0, cancellation: Cancellation? = nil,
              progress: (String) -> Void = { _ in }) throws -> [Candidate] {
        let shelf = ModelShelf(database: database)
        var model: (ModelRecord, SegmentationModel)? = nil
        if strategy.usesModel {
            model = try shelf.current(.auto) ?? shelf.current(.deepedit)
            guard model != nil else {
                throw ModelError.noModel("\(strategy.rawValue) ranking needs an automatic or DeepEdit model: train one first (termlabel train)")
            }
        }
        let now = Date()
        var candidates: [Candidate] = []
        for row in try database.studyRows() where row.newest["final"] == nil && row.study.status != .missing {
            let held = row.claim.map { !$0.isExpired(at: now) } ?? false
            var candidate = Candidate(id: row.study.imageId, held: held, lastServed: row.study.lastServedAt)
            if let (record, network) = model {
                if let stored = try database.score(row.study.imageId, strategy: strategy.rawValue, modelId: record.id) {
                    candidate.score = stored.value
                } else {
                    if cancellation?.isCancelled == true { throw SegmentationError.cancelled }
                    progress("scoring \(row.study.imageId) (\(strategy.rawValue), \(record.name))…")
                    let image = try Volume(contentsOf: database.location.folder + "/" + row.study.path)
                    let prepared = PreparedImage(image, config: network.config)
                    let value = strategy == .epistemic
                        ? UncertaintyScore.epistemic(network, prepared, passes: passes, seed: seed)
                        : UncertaintyScore.aleatoric(network, prepared, passes: passes, seed: seed)
                    try database.saveScore(row.study.imageId, strategy: strategy.rawValue, modelId: record.id, value: value)
                    candidate.score = value
                }
            }
            candidates.append(candidate)
        }
        return Ranker.rank(candidates, strategy: strategy, now: now, seed: seed)
    }
}
