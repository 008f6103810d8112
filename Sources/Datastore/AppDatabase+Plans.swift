// The training plan in force for a folder: the newest row of `plan`, kept as the planner wrote it (JSON).

import Foundation
import GRDB

extension AppDatabase {
    public func savePlan(_ json: String, at now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO plan (json, createdAt) VALUES (?, ?)", arguments: [json, now])
        }
    }

    /// The newest plan's JSON, if any.
    public func currentPlan() throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT json FROM plan ORDER BY createdAt DESC, id DESC LIMIT 1") }
    }
}
