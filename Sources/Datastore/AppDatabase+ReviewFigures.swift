// What a reviewer sees of one final label version: per structure its size, pieces and slices, and its agreement
// with the model's original output and with the previous final version; for the version, who made it, when, and
// the effort the recorded sessions say it took. Versions never change, so the figures are computed once and kept.

import Foundation
import GRDB
import Volume

public struct StructureReview: Sendable, Equatable, Codable {
    public var name: String
    /// Zero voxels (and no slices) for a structure the original or the previous version had and this one lacks.
    public var measure: StructureMeasure
    /// Against labels/original (the model's output) and the previous final version, when there is one; the volume
    /// change is this version's millilitres minus the other's.
    public var diceWithOriginal: Double?
    public var millilitresChangeFromOriginal: Double?
    public var diceWithPrevious: Double?
    public var millilitresChangeFromPrevious: Double?
}

public struct ReviewFigures: Sendable, Equatable, Codable {
    public var version: Int
    public var author: String
    public var savedAt: Date
    /// Sessions on the study that started before this version was saved.
    public var activeSeconds: Double
    public var clicks: Int
    public var modelCalls: Int
    /// Who wrote labels/original (a model's name), and which version of it was compared.
    public var originalAuthor: String?
    public var originalVersion: Int?
    public var previousVersion: Int?
    public var structures: [StructureReview]
}

extension AppDatabase {
    /// The figures of `imageId`'s final `version` (nil: the newest), from the cache or computed and cached.
    public func reviewFigures(_ imageId: String, version: Int? = nil) throws -> ReviewFigures {
        let finals = try labelVersions(imageId, tag: "final")
        guard let record = version.map({ v in finals.first { $0.version == v } }) ?? finals.last else {
            throw DatastoreError.nothingToReview(imageId)
        }
        // A cached row this build cannot decode (an older shape) is recomputed and replaced.
        if let cached = try writer.read({ db in try String.fetchOne(db, sql: "SELECT json FROM reviewFigures WHERE labelId = ?", arguments: [record.id!]) }),
           let figures = try? JSONDecoder().decode(ReviewFigures.self, from: Data(cached.utf8)) {
            return figures
        }
        let labels = try LabelVolume(contentsOf: record.path)
        let previous = finals.last { $0.version < record.version }
        let original = try labelVersions(imageId, tag: "original").last { $0.createdAt <= record.createdAt }
        let previousLabels = try previous.map { try LabelVolume(contentsOf: $0.path) }.flatMap { $0.grid.shape == labels.grid.shape ? $0 : nil }
        let originalLabels = try original.map { try LabelVolume(contentsOf: $0.path) }.flatMap { $0.grid.shape == labels.grid.shape ? $0 : nil }
        let previousMeasures = previousLabels?.structureMeasures() ?? []
        let originalMeasures = originalLabels?.structureMeasures() ?? []
        func millilitres(_ measures: [StructureMeasure], _ label: UInt16) -> Double {
            measures.first { $0.label == label }?.millilitres ?? 0
        }
        func compared(_ measure: StructureMeasure) -> StructureReview {
            let label = measure.label
            let name = record.labelNames.first { $0.value == label }?.name ?? "label \(label)"
            let originalDice: Double? = originalLabels.map { labels.dice(with: $0, label: label) }
            let originalChange: Double? = originalLabels.map { _ in measure.millilitres - millilitres(originalMeasures, label) }
            let previousDice: Double? = previousLabels.map { labels.dice(with: $0, label: label) }
            let previousChange: Double? = previousLabels.map { _ in measure.millilitres - millilitres(previousMeasures, label) }
            return StructureReview(name: name, measure: measure, diceWithOriginal: originalDice, millilitresChangeFromOriginal: originalChange,
                                   diceWithPrevious: previousDice, millilitresChangeFromPrevious: previousChange)
        }
        let structures = labels.structureMeasures().map(compared)
        // A structure the model or the previous version had and this version does not: removed, which a reviewer
        // must see too.
        let present = Set(structures.map(\.measure.label))
        let removed = Set((originalMeasures + previousMeasures).map(\.label)).subtracting(present).sorted().map { label in
            compared(StructureMeasure(label: label, voxels: 0, millilitres: 0, components: 0, firstSlice: 0, largestSlice: 0, lastSlice: 0))
        }
        let effort = AnnotationEffort(try sessions(imageId).filter { $0.startedAt <= record.createdAt })
        let figures = ReviewFigures(version: record.version, author: record.author, savedAt: record.createdAt,
                                    activeSeconds: effort.activeSeconds, clicks: effort.clicks, modelCalls: effort.modelCalls,
                                    originalAuthor: original?.author, originalVersion: original?.version,
                                    previousVersion: previous?.version, structures: structures + removed)
        let json = String(decoding: try JSONEncoder().encode(figures), as: UTF8.self)
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO reviewFigures (labelId, json, computedAt) VALUES (?, ?, ?)",
                           arguments: [record.id!, json, Date()])
        }
        return figures
    }
}

extension ReviewItem {
    /// One line of `termlabel review --json`: the study, its final version, the decisions on it and the figures.
    public func json(figures: ReviewFigures) throws -> String {
        let dates = ISO8601DateFormatter()
        func number(_ value: Double?, _ places: Double = 1000) -> Any { value.map { ($0 * places).rounded() / places } ?? NSNull() }
        let object: [String: Any] = [
            "id": study.imageId, "status": study.status.rawValue, "version": version.version, "author": version.author,
            "saved_at": dates.string(from: version.createdAt),
            "active_seconds": number(figures.activeSeconds, 10), "clicks": figures.clicks, "model_calls": figures.modelCalls,
            "model": figures.originalAuthor ?? NSNull(), "original_version": figures.originalVersion ?? NSNull(),
            "previous_version": figures.previousVersion ?? NSNull(),
            "review": latest.map { $0.decision.rawValue } ?? "pending",
            "decisions": decisions.map { d -> [String: Any] in
                ["decision": d.decision.rawValue, "reviewer": d.reviewer, "at": dates.string(from: d.decidedAt), "version": d.version,
                 "level": d.level ?? NSNull(), "comment": d.comment]
            },
            "structures": figures.structures.map { s -> [String: Any] in
                ["label": s.measure.label, "name": s.name, "voxels": s.measure.voxels, "ml": number(s.measure.millilitres),
                 "components": s.measure.components, "first_slice": s.measure.firstSlice, "largest_slice": s.measure.largestSlice,
                 "last_slice": s.measure.lastSlice,
                 "dice_original": number(s.diceWithOriginal, 10000), "ml_change_original": number(s.millilitresChangeFromOriginal),
                 "dice_previous": number(s.diceWithPrevious, 10000), "ml_change_previous": number(s.millilitresChangeFromPrevious)]
            },
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
