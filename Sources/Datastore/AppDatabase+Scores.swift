// Active-learning scores: one per study, strategy and model, so a score is computed once per model and a newer
// model makes every score of its strategy stale.

import Foundation
import GRDB

extension AppDatabase {
    /// Stores (or replaces) a study's score for a strategy and model.
    public func saveScore(_ imageId: String, strategy: String, modelId: Int64?, value: Double, at now: Date = Date()) throws {
        let study = try study(imageId)
        try writer.write { db in
            try Score.filter(Column("studyId") == study.id! && Column("strategy") == strategy && Column("modelId") == modelId).deleteAll(db)
            var score = Score(id: nil, studyId: study.id!, strategy: strategy, modelId: modelId, value: value, computedAt: now)
            try score.insert(db)
        }
    }

    /// A study's score for a strategy from one model, if computed.
    public func score(_ imageId: String, strategy: String, modelId: Int64?) throws -> Score? {
        let study = try study(imageId)
        return try writer.read { db in
            try Score.filter(Column("studyId") == study.id! && Column("strategy") == strategy && Column("modelId") == modelId).fetchOne(db)
        }
    }
}
