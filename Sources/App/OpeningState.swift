// What the app shows when it opens a folder: the study list's rows and what the sync could not take in (a label file
// on another grid than its image's, a bad labels.json, a label without its image). The study list shows unreadable
// images as rows; the rest would otherwise go unsaid, and the user would wonder where a label went.

import Datastore
import Foundation
import TUI

extension AppState {
    /// The app's state on a folder just synced, `message` on the message line.
    public static func opening(_ database: AppDatabase, report: SyncReport, message: String, at now: Date = Date()) throws -> AppState {
        var state = AppState(folder: database.location.folder,
                             studies: try StudyEntry.all(in: database, skipped: report.skippedImages, at: now))
        state.message = message
        state.folderProblems = report.problems
        return state
    }
}
