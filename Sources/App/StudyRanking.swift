import Datastore
import Foundation
import Learning
import Volume

/// The study list ranked by a strategy, with model scores computed and stored where missing.
public struct StudyRanking: Sendable {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// Unlabeled studies (no final label, not missing), as candidates with the strategy's stored scores.
    public func rank(_ strategy: Strategy, passes: Int = 8, seed: UInt64 = 0, cancellation: Cancellation? = nil,
              progress: (String) -> Void = { _ in }) throws -> [Candidate] {
        let shelf = ModelShelf(database: database)
        var model: (ModelRecord, SegmentationModel)? = nil
        if strategy.usesModel {
            model = try shelf.wholeStudyModel()
            guard model != nil else {
                throw ModelError.noModel([.auto, .deepedit], hint: "\(strategy.rawValue) ranking needs one; train one first (termlabel train)")
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
                    if cancellation?.isCancelled == true { throw CancellationError() }
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
