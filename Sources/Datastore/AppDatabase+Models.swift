// The model registry: every saved checkpoint is a row (kind, weights file, studies it learnt from and was validated
// on, its score). The model a kind serves is the pinned one, else the best validated one (an import newer than all
// of them serves until training validates it), so that a better checkpoint changes the next inference without a
// restart and a worse one never does. Retention keeps the registry within bounds.

import Foundation
import GRDB

extension AppDatabase {
    /// Where this study list keeps trained weights.
    public var modelsFolder: String { location.dataFolder + "/models" }

    @discardableResult
    public func registerModel(name: String, kind: String, weightsPath: String, trainedOn: [String], metrics: [String: Double],
                              at now: Date = Date(), score: Double? = nil, validatedOn: [String] = [], parent: String? = nil,
                              epochs: Int = 0, steps: Int = 0, trainingSeconds: Double = 0, origin: ModelOrigin = .trained) throws -> ModelRecord {
        var record = ModelRecord(id: nil, name: name, kind: kind, weightsPath: weightsPath, trainedOn: trainedOn,
                                 metrics: metrics, createdAt: now, score: score, validatedOn: validatedOn, parent: parent,
                                 epochs: epochs, steps: steps, trainingSeconds: trainingSeconds, origin: origin)
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

    public func model(named name: String) throws -> ModelRecord {
        guard let record = try writer.read({ db in try ModelRecord.filter(Column("name") == name).fetchOne(db) }) else {
            throw DatastoreError.unknownModel(name)
        }
        return record
    }

    /// The model a kind serves: the pinned one; else the best score, unless a model never validated here (an
    /// import) is newer than every scored one. Only models whose weights file is still there.
    public func servingModel(kind: String) throws -> ModelRecord? {
        let present = try models(kind: kind).filter { FileManager.default.fileExists(atPath: $0.weightsPath) }
        if let pinned = present.first(where: \.pinned) { return pinned }
        let scored = present.filter { $0.score != nil }
        // Among equal scores the oldest: a model replaces the one serving only by a higher score.
        let best = scored.max { a, b in a.score! < b.score! || (a.score! == b.score! && a.createdAt > b.createdAt) }
        if let unscored = present.first(where: { $0.score == nil }), best.map({ unscored.createdAt > $0.createdAt }) ?? true {
            return unscored
        }
        return best
    }

    /// A model's score on `validatedOn` (computed again when the validation studies changed).
    public func rescore(_ id: Int64, score: Double, metrics: [String: Double], validatedOn: [String]) throws {
        try writer.write { db in
            guard var record = try ModelRecord.fetchOne(db, key: id) else { return }
            record.score = score
            record.metrics = metrics
            record.validatedOn = validatedOn
            try record.update(db)
        }
    }

    /// Pins a model (it serves its kind until unpinned), or with nil unpins the kind's pinned model.
    public func pin(_ name: String?, kind: String? = nil) throws {
        let record = try name.map { try model(named: $0) }
        let kind = record?.kind ?? kind
        try writer.write { db in
            try db.execute(sql: "UPDATE model SET pinned = 0 WHERE kind = ?", arguments: [kind])
            if let id = record?.id { try db.execute(sql: "UPDATE model SET pinned = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Deletes a model's row and weights file (a generic model's row only: its file is shipped, not the folder's).
    public func removeModel(_ name: String) throws {
        let record = try model(named: name)
        try writer.write { db in _ = try ModelRecord.deleteOne(db, key: record.id!) }
        if record.origin != .generic && FileManager.default.fileExists(atPath: record.weightsPath) { try FileManager.default.removeItem(atPath: record.weightsPath) }
    }

    /// After a training: per kind, keeps the serving, pinned, imported and generic models, the `keep` best and the
    /// `keep` newest, and deletes the rest. Returns the names deleted.
    @discardableResult
    public func retainModels(kind: String, keep: Int) throws -> [String] {
        let all = try models(kind: kind)
        var kept = Set(all.filter { $0.pinned || $0.origin != .trained }.map(\.name))
        if let serving = try servingModel(kind: kind) { kept.insert(serving.name) }
        kept.formUnion(all.prefix(keep).map(\.name))
        kept.formUnion(all.filter { $0.score != nil }.sorted { $0.score! > $1.score! }.prefix(keep).map(\.name))
        let doomed = all.filter { !kept.contains($0.name) }
        for record in doomed { try removeModel(record.name) }
        return doomed.map(\.name)
    }

    /// The labeled studies split into training and validation. A study's side is decided the first time it is
    /// seen and stored, so that later runs validate on the same studies plus new ones: a new study validates while
    /// fewer than a fifth do (one at least once there are two). `override` sets the validation studies (the rest
    /// train) and is stored.
    public func validationSplit(of ids: [String], override: [String]? = nil, at now: Date = Date()) throws -> (training: [String], validation: [String]) {
        let studies = try ids.map { try study($0) }
        if let override {
            for id in override where !ids.contains(id) { throw DatastoreError.unknownStudy(id) }
        }
        return try writer.write { db in
            if let override {
                for study in studies {
                    try db.execute(sql: "INSERT OR REPLACE INTO validationSplit (studyId, validation, assignedAt) VALUES (?, ?, ?)",
                                   arguments: [study.id!, override.contains(study.imageId), now])
                }
            }
            var side: [Int64: Bool] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT studyId, validation FROM validationSplit") { side[row["studyId"]] = row["validation"] }
            for study in studies.sorted(by: { $0.imageId < $1.imageId }) where side[study.id!] == nil {
                let known = studies.compactMap { side[$0.id!] }
                let validating = known.filter { $0 }.count
                let wanted = studies.count >= 2 ? max(1, Int((Double(known.count + 1) * 0.2).rounded())) : 0
                let validates = validating < wanted
                side[study.id!] = validates
                try db.execute(sql: "INSERT INTO validationSplit (studyId, validation, assignedAt) VALUES (?, ?, ?)",
                               arguments: [study.id!, validates, now])
            }
            let validation = studies.filter { side[$0.id!] == true }.map(\.imageId).sorted()
            return (studies.filter { side[$0.id!] != true }.map(\.imageId).sorted(), validation)
        }
    }

    /// Studies whose newest final label can be trained on (not one a reviewer rejected), with that label's version.
    public func finalLabels() throws -> [(study: Study, label: LabelVersion)] {
        try writer.read { db in
            try Study.order(Column("imageId")).fetchAll(db).compactMap { study in
                guard study.status != .missing, let label = try LabelVersion.newest(db, studyId: study.id!, tag: "final") else { return nil }
                // A version a reviewer sent back is not something to learn from.
                let settled = try ReviewDecision.filter(Column("labelId") == label.id!).order(Column("id").desc).fetchAll(db).first { $0.decision.settles }
                return settled?.decision == .rejected ? nil : (study, label)
            }
        }
    }
}
