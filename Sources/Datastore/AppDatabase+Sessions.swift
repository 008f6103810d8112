// Annotation sessions: per study and annotator, when they worked, how long they were active (gaps of more than
// a minute without input are not counted) and how many clicks, strokes, model calls and undos it took: the raw
// material of the "time to annotate" figures.

import Foundation
import GRDB

public enum AnnotationInput: Sendable {
    case click, scribbleStroke, brushStroke, modelCall, undo
    /// Any other key or mouse input: counts toward active time only.
    case other
}

extension AppDatabase {
    public static let idleGapSeconds: TimeInterval = 60

    public func startSession(_ imageId: String, user: String, at now: Date = Date()) throws -> AnnotationSession {
        let study = try study(imageId)
        return try writer.write { db in
            var session = AnnotationSession(id: nil, studyId: study.id!, user: user, startedAt: now, endedAt: nil, lastInputAt: now,
                                            activeSeconds: 0, clicks: 0, scribbleStrokes: 0, brushStrokes: 0, modelCalls: 0, undos: 0)
            try session.insert(db)
            return session
        }
    }

    /// Counts one input of a session; the time since the previous input counts as active unless it exceeds a minute.
    public func record(_ input: AnnotationInput, session id: Int64, at now: Date = Date()) throws {
        try writer.write { db in
            guard var session = try AnnotationSession.fetchOne(db, key: id) else { return }
            let gap = now.timeIntervalSince(session.lastInputAt)
            if gap > 0 && gap <= AppDatabase.idleGapSeconds { session.activeSeconds += gap }
            session.lastInputAt = max(now, session.lastInputAt)
            switch input {
            case .click: session.clicks += 1
            case .scribbleStroke: session.scribbleStrokes += 1
            case .brushStroke: session.brushStrokes += 1
            case .modelCall: session.modelCalls += 1
            case .undo: session.undos += 1
            case .other: break
            }
            try session.update(db)
        }
    }

    public func endSession(_ id: Int64, at now: Date = Date()) throws {
        try writer.write { db in
            guard var session = try AnnotationSession.fetchOne(db, key: id) else { return }
            session.endedAt = now
            try session.update(db)
        }
    }

    public func sessions(_ imageId: String? = nil) throws -> [AnnotationSession] {
        let studyId = try imageId.map { try study($0).id! }
        return try writer.read { db in
            var request = AnnotationSession.order(Column("startedAt"))
            if let studyId { request = request.filter(Column("studyId") == studyId) }
            return try request.fetchAll(db)
        }
    }
}

/// Sessions added up.
public struct AnnotationEffort: Sendable, Equatable {
    public var sessions = 0
    public var annotators = Set<String>()
    public var activeSeconds = 0.0
    public var clicks = 0, scribbleStrokes = 0, brushStrokes = 0, modelCalls = 0, undos = 0

    public init(_ sessions: [AnnotationSession] = []) {
        for session in sessions { add(session) }
    }

    public mutating func add(_ session: AnnotationSession) {
        sessions += 1
        annotators.insert(session.user)
        activeSeconds += session.activeSeconds
        clicks += session.clicks
        scribbleStrokes += session.scribbleStrokes
        brushStrokes += session.brushStrokes
        modelCalls += session.modelCalls
        undos += session.undos
    }
}
