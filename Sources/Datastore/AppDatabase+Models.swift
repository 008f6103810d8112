// The model registry: every saved checkpoint is a row (kind, weights file, studies it learnt from, validation
// figures). The newest row of a kind is the model in use, so a finished training run changes the next inference
// without a restart.

import Foundation
import GRDB

extension AppDatabase {
    /// Where this study list keeps trained weights.
    public var modelsFolder: String { location.dataFolder + "/models" }

    @discardableResult
    public func registerModel(name: String, kind: String, weightsPath: String, trainedOn: [String], metrics: [String: Double],
                              at now: Date = Date()) throws -> ModelRecord {
        var record = ModelRecord(id: nil, name: name, kind: kind, weightsPath: weightsPath, trainedOn: trainedOn,
                                 metrics: metrics, createdAt: now)
        try writer.write { db in try record.insert(db) }
        return record
    }

    /// Models, newest first; only one kind when given.
    public func models(kind: String? = nil) throws -> [ModelRecord] {
        try writer.read { db in
            var request = ModelRecord.all()
            if let kind { request = request.filter(Column("kind") == kind) }
            return try request.order(Column("createdAt").desc, Column("id").desc).fetchAll(db)
        }
    }

    /// The model of a kind in use: the newest whose weights file is still there.
    public func latestModel(kind: String) throws -> ModelRecord? {
        try models(kind: kind).first { FileManager.default.fileExists(atPath: $0.weightsPath) }
    }

    /// Studies whose newest final label can be trained on, with that label's version.
    public func finalLabels() throws -> [(study: Study, label: LabelVersion)] {
        try writer.read { db in
            try Study.order(Column("imageId")).fetchAll(db).compactMap { study in
                guard study.status != .missing, let label = try LabelVersion.newest(db, studyId: study.id!, tag: "final") else { return nil }
                return (study, label)
            }
        }
    }
}
