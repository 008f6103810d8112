// The study list's records: one plain struct per table, as the schema in AppDatabase+Schema.swift defines.

import Foundation
import GRDB

public enum StudyStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case unlabeled
    case inProgress = "in progress"
    case labeled
    case reviewed
    case missing
}

public struct Study: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "study"
    public var id: Int64?
    /// File name without its extension, as MONAI Label names studies.
    public var imageId: String
    /// Relative to the study folder.
    public var path: String
    public var shape: [Int]
    public var spacing: [Double]
    public var fileSize: Int64
    public var modifiedAt: Double
    public var status: StudyStatus
    /// Set when the image changed on disk after labels were made for it.
    public var imageChanged: Bool
    public var addedAt: Date
    /// When the study was last handed to an annotator (for spreading random picks).
    public var lastServedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct LabelName: Codable, Sendable, Equatable {
    public var value: UInt16
    public var name: String
    /// "#rrggbb"
    public var color: String?

    public init(value: UInt16, name: String, color: String? = nil) {
        self.value = value
        self.name = name
        self.color = color
    }
}

public struct LabelVersion: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "label"
    public var id: Int64?
    public var studyId: Int64
    /// "final", "original" or any other folder of labels/.
    public var tag: String
    public var version: Int
    /// Absolute path of this version's immutable copy.
    public var path: String
    public var author: String
    public var createdAt: Date
    public var labelNames: [LabelName]
    public var parentVersion: Int?
    public var fileSize: Int64
    /// FNV-1a of the file's bytes, to recognise it on disk.
    public var contentHash: String
    /// Modification time of labels/<tag>/<id> when this version was written there or found there.
    public var sourceModifiedAt: Double
    public var reviewed: Bool

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct Claim: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "claim"
    public var studyId: Int64
    public var user: String
    public var host: String
    public var pid: Int32
    public var claimedAt: Date
    public var expiresAt: Date

    public func isExpired(at now: Date) -> Bool { expiresAt <= now }
    public var holder: String { "\(user)@\(host) (pid \(pid))" }
    /// The holding process is known to have ended: it ran on this machine and no process has its id, or only its
    /// zombie is left (killed, not yet reaped by its parent).
    public var processIsGone: Bool {
        guard host == ProcessInfo.processInfo.hostName else { return false }
        if kill(pid, 0) != 0 { return errno == ESRCH }
        // /proc/PID/stat: "PID (name) STATE …"; the name may hold spaces, so the state follows the last ")".
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}

public struct AnnotationSession: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "annotationSession"
    public var id: Int64?
    public var studyId: Int64
    public var user: String
    public var startedAt: Date
    public var endedAt: Date?
    public var lastInputAt: Date
    public var activeSeconds: Double
    public var clicks: Int
    public var scribbleStrokes: Int
    public var brushStrokes: Int
    public var modelCalls: Int
    public var undos: Int

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct JournalEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "editJournal"
    public var id: Int64?
    public var studyId: Int64
    public var user: String
    /// The final version the draft started from (nil: an empty draft).
    public var baseVersion: Int?
    public var kind: String
    public var payload: Data
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct ModelRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "model"
    public var id: Int64?
    public var name: String
    public var kind: String
    public var weightsPath: String
    public var trainedOn: [String]
    public var metrics: [String: Double]
    public var createdAt: Date
    /// Mean validation Dice on `validatedOn`; nil when never validated in this folder (an import).
    public var score: Double?
    public var validatedOn: [String] = []
    /// The model training started from (warm start), if any.
    public var parent: String?
    public var epochs = 0
    public var steps = 0
    public var trainingSeconds = 0.0
    public var origin: ModelOrigin = .trained
    /// Chosen with `model use`: serves whatever the scores say, until unpinned.
    public var pinned = false

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum ModelOrigin: String, Codable, Sendable, DatabaseValueConvertible {
    case trained, imported
    /// Shipped with TermLabel (trained on synthetic studies); its weights file belongs to the installation.
    case generic
}

public struct Score: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "score"
    public var id: Int64?
    public var studyId: Int64
    public var strategy: String
    public var modelId: Int64?
    public var value: Double
    public var computedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum ReviewVerdict: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case accepted, rejected, flagged
    /// Accepting or rejecting settles a version; a flag asks for another look and leaves it open.
    public var settles: Bool { self != .flagged }
}

public struct ReviewDecision: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "reviewDecision"
    public var id: Int64?
    public var studyId: Int64
    /// The final label version decided on (its row, and its number for messages).
    public var labelId: Int64
    public var version: Int
    public var reviewer: String
    public var decision: ReviewVerdict
    /// A flag's level, 1 (minor) to 3 (serious).
    public var level: Int?
    public var comment: String
    public var decidedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// "accepted", "rejected" or "flagged 2", as lists show a decision.
    public var verdictText: String { decision == .flagged ? "flagged \(level ?? 1)" : decision.rawValue }
}
