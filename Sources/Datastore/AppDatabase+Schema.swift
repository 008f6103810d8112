// The schema, as named migrations that are never edited once shipped: later changes are new migrations.

import GRDB

extension AppDatabase {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: studies, labels, claims, sessions, journal, models, scores") { db in
            try db.create(table: "study") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("imageId", .text).notNull().unique()
                t.column("path", .text).notNull()
                t.column("shape", .text).notNull()
                t.column("spacing", .text).notNull()
                t.column("fileSize", .integer).notNull()
                t.column("modifiedAt", .double).notNull()
                t.column("status", .text).notNull()
                t.column("imageChanged", .boolean).notNull().defaults(to: false)
                t.column("addedAt", .datetime).notNull()
                t.column("lastServedAt", .datetime)
            }
            try db.create(table: "label") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("studyId", .integer).notNull().indexed().references("study", onDelete: .cascade)
                t.column("tag", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("path", .text).notNull()
                t.column("author", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("labelNames", .text).notNull()
                t.column("parentVersion", .integer)
                t.column("fileSize", .integer).notNull()
                t.column("contentHash", .text).notNull()
                t.column("sourceModifiedAt", .double).notNull()
                t.column("reviewed", .boolean).notNull().defaults(to: false)
                t.uniqueKey(["studyId", "tag", "version"])
            }
            try db.create(table: "claim") { t in
                t.primaryKey("studyId", .integer).references("study", onDelete: .cascade)
                t.column("user", .text).notNull()
                t.column("host", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("claimedAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
            }
            try db.create(table: "annotationSession") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("studyId", .integer).notNull().indexed().references("study", onDelete: .cascade)
                t.column("user", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("endedAt", .datetime)
                t.column("lastInputAt", .datetime).notNull()
                t.column("activeSeconds", .double).notNull()
                t.column("clicks", .integer).notNull()
                t.column("scribbleStrokes", .integer).notNull()
                t.column("brushStrokes", .integer).notNull()
                t.column("modelCalls", .integer).notNull()
                t.column("undos", .integer).notNull()
            }
            try db.create(table: "editJournal") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("studyId", .integer).notNull().indexed().references("study", onDelete: .cascade)
                t.column("user", .text).notNull()
                t.column("baseVersion", .integer)
                t.column("kind", .text).notNull()
                t.column("payload", .blob).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "model") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("weightsPath", .text).notNull()
                t.column("trainedOn", .text).notNull()
                t.column("metrics", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "score") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("studyId", .integer).notNull().indexed().references("study", onDelete: .cascade)
                t.column("strategy", .text).notNull()
                t.column("modelId", .integer).references("model", onDelete: .cascade)
                t.column("value", .double).notNull()
                t.column("computedAt", .datetime).notNull()
                t.uniqueKey(["studyId", "strategy", "modelId"])
            }
        }
        migrator.registerMigration("v2: plans") { db in
            // The planner's output as JSON (its shape belongs to Learning); the newest row is the plan in force.
            try db.create(table: "plan") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("json", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3: review decisions and figures") { db in
            // One row per decision, never updated: the history of a study's reviews.
            try db.create(table: "reviewDecision") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("studyId", .integer).notNull().indexed().references("study", onDelete: .cascade)
                t.column("labelId", .integer).notNull().indexed().references("label", onDelete: .cascade)
                t.column("version", .integer).notNull()
                t.column("reviewer", .text).notNull()
                t.column("decision", .text).notNull()
                t.column("level", .integer)
                t.column("comment", .text).notNull()
                t.column("decidedAt", .datetime).notNull()
            }
            // What a reviewer sees of a label version, computed once (versions never change).
            try db.create(table: "reviewFigures") { t in
                t.primaryKey("labelId", .integer).references("label", onDelete: .cascade)
                t.column("json", .text).notNull()
                t.column("computedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v4: model cards, serving, validation split") { db in
            try db.alter(table: "model") { t in
                // Mean validation Dice on `validatedOn` (nil: never validated here, e.g. imported).
                t.add(column: "score", .double)
                t.add(column: "validatedOn", .text).notNull().defaults(to: "[]")
                t.add(column: "parent", .text)
                t.add(column: "epochs", .integer).notNull().defaults(to: 0)
                t.add(column: "steps", .integer).notNull().defaults(to: 0)
                t.add(column: "trainingSeconds", .double).notNull().defaults(to: 0)
                t.add(column: "origin", .text).notNull().defaults(to: "trained")
                t.add(column: "pinned", .boolean).notNull().defaults(to: false)
            }
            // Which labeled studies validate: decided once per study, so that scores of runs compare.
            try db.create(table: "validationSplit") { t in
                t.primaryKey("studyId", .integer).references("study", onDelete: .cascade)
                t.column("validation", .boolean).notNull()
                t.column("assignedAt", .datetime).notNull()
            }
        }
        return migrator
    }
}
