// One line of the study list as the app and `termlabel list` show it: the study, its newest label per tag, the
// claim on it and its scores.

import Foundation
import GRDB

public struct StudyRow: Sendable {
    public var study: Study
    public var newest: [String: LabelVersion]
    public var claim: Claim?
    public var scores: [Score]
    /// The newest review decision on the newest final version.
    public var review: ReviewDecision?

    /// {"id", "path", "status", "labels": {tag: newest version}, "claimed_by", "scores": {strategy: value}}
    public var json: String {
        var object: [String: Any] = [
            "id": study.imageId, "path": study.path, "status": study.status.rawValue,
            "shape": study.shape, "labels": newest.mapValues { $0.version },
            "scores": Dictionary(scores.map { ($0.strategy, $0.value) }, uniquingKeysWith: { a, _ in a }),
            "image_changed": study.imageChanged,
        ]
        object["claimed_by"] = claim.flatMap { $0.isExpired(at: Date()) ? nil : $0.holder } ?? NSNull()
        object["review"] = review.map { d -> [String: Any] in
            ["decision": d.decision.rawValue, "reviewer": d.reviewer, "version": d.version, "level": d.level ?? NSNull(),
             "comment": d.comment, "at": ISO8601DateFormatter().string(from: d.decidedAt)]
        } ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension AppDatabase {
    public func studyRows() throws -> [StudyRow] {
        try writer.read { db in
            let studies = try Study.order(Column("imageId")).fetchAll(db)
            let labels = Dictionary(grouping: try LabelVersion.fetchAll(db), by: \.studyId)
            let claims = Dictionary(uniqueKeysWithValues: try Claim.fetchAll(db).map { ($0.studyId, $0) })
            let scores = Dictionary(grouping: try Score.fetchAll(db), by: \.studyId)
            let decisions = Dictionary(grouping: try ReviewDecision.order(Column("id")).fetchAll(db), by: \.labelId)
            return studies.map { study in
                let versions = labels[study.id!] ?? []
                let newest = Dictionary(grouping: versions, by: \.tag).compactMapValues { $0.max { $0.version < $1.version } }
                return StudyRow(study: study, newest: newest, claim: claims[study.id!], scores: scores[study.id!] ?? [],
                                review: newest["final"].flatMap { decisions[$0.id!]?.last })
            }
        }
    }
}
