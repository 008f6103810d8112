// Review decisions on final label versions. Each decision is a new row naming the version it was made on, so the
// history is kept; accepting or rejecting settles a version (a second settling decision is refused, naming who
// came first), a flag leaves it open. A decision on a version that has meanwhile been replaced is refused.

import Foundation
import GRDB
import Volume

/// Which studies the review queue holds.
public enum ReviewQueueStatus: String, Sendable, CaseIterable {
    /// Final versions not yet accepted or rejected (flagged ones included).
    case open
    case accepted, rejected, flagged, all
}

public struct ReviewQueueFilter: Sendable, Equatable {
    public var status: ReviewQueueStatus = .open
    /// The author of the final version.
    public var annotator: String?
    /// A label name (or value) the version holds.
    public var label: String?
    /// Final versions saved at or after this date.
    public var since: Date?

    public init(status: ReviewQueueStatus = .open, annotator: String? = nil, label: String? = nil, since: Date? = nil) {
        self.status = status
        self.annotator = annotator
        self.label = label
        self.since = since
    }
}

/// One study in the review queue: its newest final version and the decisions on it, oldest first.
public struct ReviewItem: Sendable {
    public var study: Study
    public var version: LabelVersion
    public var decisions: [ReviewDecision]

    /// The newest decision on this version, if any.
    public var latest: ReviewDecision? { decisions.last }
    /// The settling decision (accept or reject), if any.
    public var settled: ReviewDecision? { decisions.last { $0.decision.settles } }
}

extension AppDatabase {
    /// Records a decision on `imageId`'s final label `version` (nil: the newest one now).
    @discardableResult
    public func decide(_ imageId: String, version: Int?, reviewer: String, verdict: ReviewVerdict, level: Int? = nil,
                       comment: String = "", at now: Date = Date()) throws -> ReviewDecision {
        let study = try study(imageId)
        return try writer.write { db in
            guard var newest = try LabelVersion.newest(db, studyId: study.id!, tag: "final") else {
                throw DatastoreError.nothingToReview(imageId)
            }
            if let version, version != newest.version {
                throw DatastoreError.staleReview(study: imageId, version: version, newest: newest.version, author: newest.author)
            }
            if let earlier = try ReviewDecision.filter(Column("labelId") == newest.id!)
                .filter([ReviewVerdict.accepted.rawValue, ReviewVerdict.rejected.rawValue].contains(Column("decision")))
                .order(Column("id")).fetchOne(db) {
                throw DatastoreError.alreadyDecided(study: imageId, version: newest.version, verdict: earlier.decision.rawValue,
                                                    by: earlier.reviewer, at: earlier.decidedAt)
            }
            var decision = ReviewDecision(id: nil, studyId: study.id!, labelId: newest.id!, version: newest.version, reviewer: reviewer,
                                          decision: verdict, level: level, comment: comment, decidedAt: now)
            try decision.insert(db)
            if verdict == .accepted {
                newest.reviewed = true
                try newest.update(db)
            }
            try AppDatabase.refreshStatuses(db)
            return decision
        }
    }

    /// Every decision on a study, oldest first.
    public func reviewDecisions(_ imageId: String) throws -> [ReviewDecision] {
        let study = try study(imageId)
        return try writer.read { db in try ReviewDecision.filter(Column("studyId") == study.id!).order(Column("id")).fetchAll(db) }
    }

    /// The rejection that sent a study back, while its newest final version is the one rejected.
    public func rejection(_ imageId: String) throws -> ReviewDecision? {
        let study = try study(imageId)
        return try writer.read { db in
            guard let newest = try LabelVersion.newest(db, studyId: study.id!, tag: "final") else { return nil }
            let settled = try ReviewDecision.filter(Column("labelId") == newest.id!).order(Column("id").desc).fetchAll(db)
                .first { $0.decision.settles }
            return settled?.decision == .rejected ? settled : nil
        }
    }

    /// Studies with a final label, in study order, as the filter selects them.
    public func reviewQueue(_ filter: ReviewQueueFilter = ReviewQueueFilter()) throws -> [ReviewItem] {
        try writer.read { db in
            let decisions = Dictionary(grouping: try ReviewDecision.order(Column("id")).fetchAll(db), by: \.labelId)
            return try Study.order(Column("imageId")).fetchAll(db).compactMap { study -> ReviewItem? in
                guard study.status != .missing, let version = try LabelVersion.newest(db, studyId: study.id!, tag: "final") else { return nil }
                let item = ReviewItem(study: study, version: version, decisions: decisions[version.id!] ?? [])
                switch filter.status {
                case .open: if item.settled != nil { return nil }
                case .accepted, .rejected: if item.settled?.decision.rawValue != filter.status.rawValue { return nil }
                case .flagged: if item.settled != nil || item.latest?.decision != .flagged { return nil }
                case .all: break
                }
                if let annotator = filter.annotator, version.author != annotator { return nil }
                if let since = filter.since, version.createdAt < since { return nil }
                if let label = filter.label, !version.labelNames.contains(where: { $0.name == label || "\($0.value)" == label }) {
                    return nil
                }
                return item
            }
        }
    }
}
