// What changed in the study list, cheaply: several processes share it (the app, the server, a colleague's app),
// and each shows it. Comparing this stamp tells a process when to read the list again.

import GRDB

extension AppDatabase {
    /// Differs whenever a study, label version, claim, model or review decision is added, removed or changed state.
    public func changeStamp() throws -> String {
        try writer.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) || '/' || IFNULL(MAX(id), 0) FROM label),
                       (SELECT COUNT(*) || '/' || IFNULL(MAX(id), 0) || '/' || IFNULL(SUM(pinned), 0) FROM model),
                       (SELECT COUNT(*) || '/' || IFNULL(MAX(expiresAt), '') || '/' || IFNULL(GROUP_CONCAT(studyId || user), '') FROM claim),
                       (SELECT COUNT(*) || '/' || IFNULL(MAX(id), 0) FROM reviewDecision),
                       (SELECT GROUP_CONCAT(status) FROM study)
                """)
            return (0..<5).map { (row?[$0] as String?) ?? "" }.joined(separator: " | ")
        }
    }
}
