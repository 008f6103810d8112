// `termlabel [DIR]`: the annotation app on a study folder (the bundled samples, copied to a workspace, when none
// is given).

import App
import ArgumentParser
import Cells
import CommandOptions
import Datastore
import Foundation
import Terminal
import TUI

/// Set by SIGTERM and SIGHUP (a dropped SSH session): the loop ends and the terminal is restored.
nonisolated(unsafe) var quitRequested: sig_atomic_t = 0

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the annotation app on a study folder (default: the bundled samples)."
    )

    @Argument(help: "A study folder of .nii/.nii.gz images (MONAI Label layout).")
    var folder: String?

    @OptionGroup var terminal: TerminalArguments

    @Option(help: "Colour theme: dark, light, high-contrast, colorblind, or your own in ~/.config/termlabel/themes/.")
    var theme = "dark"

    @Flag(help: "After each submit, train the click tool's model in the background (DeepEdit for the graph cut).")
    var trainOnSubmit = false

    func run() throws {
        var folder = self.folder ?? ""
        var message = "? shows every key."
        if self.folder == nil {
            let workspace = try UserFolders.sampleWorkspace()
            folder = workspace + "/ct-abdomen"
            message = "Samples in \(workspace) (MRI: termlabel \(workspace)/mri-head).  ? shows every key."
        }
        let database = try AppDatabase(folder: folder)
        try OpenCommand.openApp(on: database, report: try database.sync(), theme: theme, color: terminal.color, graphics: terminal.graphics, message: message,
                                trainOnSubmit: trainOnSubmit)
    }

    /// The app on a synced study list, in review mode on the queue `review` selects when given.
    static func openApp(on database: AppDatabase, report: SyncReport, theme: String = "dark", color: String? = nil, graphics: String? = nil,
                        message: String = "? shows every key.", trainOnSubmit: Bool = false, review: ReviewQueueFilter? = nil) throws {
        var state = try AppState.opening(database, report: report, message: message)
        state.theme = try Theme.named(theme, in: UserFolders.themeFolders())
        state.keymap = try Keymap.loading(overridesAt: UserFolders.keysFile())
        state.trainOnSubmit = trainOnSubmit

        let session = TerminalSession(color: color, graphics: TerminalProbe.choose(forced: graphics).choice)
        defer { session.restore() }
        signal(SIGTERM) { _ in quitRequested = 1 }
        signal(SIGHUP) { _ in quitRequested = 1 }
        state.colorDepth = session.colorDepth
        (state.graphics, state.cellPixels) = (session.graphics.mode, session.graphics.cellPixels)
        state.message += "  Slices: \(session.graphics.mode.rawValue) (\(session.graphics.reason))."
        let app = AnnotationApp(database: database, state: state, console: session)
        if let review { app.startReview(review) }
        app.run { quitRequested != 0 }
    }
}

extension TerminalSession: Console {}
