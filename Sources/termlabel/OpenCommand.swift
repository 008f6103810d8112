// `termlabel [DIR]`: the annotation app on a study folder (the bundled samples, copied to a workspace, when none
// is given).

import ArgumentParser
import Cells
import Datastore
import Learning
import Foundation
import Segmenters
import Terminal
import TUI
import Volume

/// Set by SIGTERM and SIGHUP (a dropped SSH session): the loop ends and the terminal is restored.
nonisolated(unsafe) var quitRequested: sig_atomic_t = 0

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the annotation app on a study folder (default: the bundled samples)."
    )

    @Argument(help: "A study folder of .nii/.nii.gz images (MONAI Label layout).")
    var folder: String?

    @Option(help: "Colour depth: truecolor, 256 or 16 (default: what the terminal says; see README).")
    var color: String?

    @Option(help: "Colour theme: dark, light, high-contrast, colorblind, or your own in ~/.config/termlabel/themes/.")
    var theme = "dark"

    @Flag(help: "After each submit, train the click tool's model in the background (DeepEdit for the graph cut).")
    var trainOnSubmit = false

    func validate() throws {
        if let color, ColorDepth(rawValue: color) == nil { throw ValidationError("--color is truecolor, 256 or 16") }
    }

    /// The user's settings folder, ~/.config/termlabel (or under XDG_CONFIG_HOME).
    static func configFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config") + "/termlabel"
    }

    /// The user's key overrides.
    static func keysFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        configFolder(environment: environment) + "/keys.toml"
    }

    /// Where themes are looked up: the user's folder first, then the bundled ones.
    static func themeFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let bundled = environment["TERMLABEL_THEMES"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("themes").path
        return [configFolder(environment: environment) + "/themes", bundled]
    }

    func run() throws {
        var notice = ""
        let folder: String
        if let given = self.folder {
            folder = given
        } else {
            let workspace = try SampleWorkspace.prepare()
            folder = workspace + "/ct-abdomen"
            notice = "Samples in \(workspace) (MRI: termlabel \(workspace)/mri-head).  ? shows every key."
        }
        var database: AppDatabase!
        try reportingErrors {
            database = try AppDatabase(folder: folder)
            try database.sync()
        }
        var state = AppState(folder: database.location.folder, studies: try OpenCommand.entries(database))
        try reportingErrors {
            state.theme = try Theme.named(theme, in: OpenCommand.themeFolders())
            state.keymap = try Keymap.loading(overridesAt: OpenCommand.keysFile())
        }
        state.message = notice.isEmpty ? "? shows every key." : notice

        let session = TerminalSession(color: color)
        defer { session.restore() }
        signal(SIGTERM) { _ in quitRequested = 1 }
        signal(SIGHUP) { _ in quitRequested = 1 }
        state.colorDepth = session.colorDepth
        state.screen = session.size
        let work = BackgroundWork()
        let shelf = ModelShelf(database: database)
        let assistant = ModelAssistant(shelf: shelf)
        let training = BackgroundTraining(shelf: shelf)
        defer { training.stop() }
        var annotation = AnnotationBook(database: database)
        defer { annotation.close() }
        while state.running && quitRequested == 0 {
            _ = session.wasContinued()
            if !session.isForeground {
                usleep(100_000)
                continue
            }
            let size = session.size
            state.screen = size
            session.present(Screen.render(state, width: size.width, height: size.height))
            let answers = work.finished()
            // A model call's tensors are free now: the annotator may not click again for minutes.
            if !answers.isEmpty { MemoryPolicy.release() }
            var actions: [Action] = answers + training.finished()
            if let event = session.nextEvent(timeout: actions.isEmpty ? 100 : 0) {
                let action: Action = switch event {
                case .key(let key): .key(key)
                case .mouse(let button, let x, let y, let pressed): .mouse(button: button, x: x, y: y, pressed: pressed)
                case .resize(let width, let height): .resize(width: width, height: height)
                }
                actions.append(action)
            }
            for action in actions {
                var effects = Reducer.reduce(&state, action)
                while !effects.isEmpty {
                    switch effects.removeFirst() {
                    case .quit: state.running = false
                    case .invalidateScreen: session.invalidate()
                    case .load(let id):
                        session.present(Screen.render(state, width: size.width, height: size.height))
                        effects += Reducer.reduce(&state, annotation.open(id, message: &state.message))
                    case .journal(let edit, let id, let base):
                        if let failure = annotation.journal(edit, studyId: id, baseVersion: base) {
                            effects += Reducer.reduce(&state, failure)
                        }
                    case .segment(let request):
                        annotation.record(.modelCall)
                        work.start { segment(request, cancellation: $0) }
                    case .infer(let request):
                        annotation.record(.modelCall)
                        work.start { assistant.run(request, cancellation: $0) }
                    case .rank(let strategy):
                        let ranking = StudyRanking(database: database)
                        work.start { cancellation in
                            do {
                                let order = try ranking.rank(Strategy(rawValue: strategy.rawValue)!, seed: UInt64(Date().timeIntervalSince1970),
                                                             cancellation: cancellation)
                                return .ranked(strategy, order.map { ($0.id, $0.score) })
                            } catch {
                                return .failed("\(error)")
                            }
                        }
                    case .toggleTraining(let tool):
                        effects += Reducer.reduce(&state, training.toggle(ModelAssistant.kind(tool)))
                    case .cancelWork: work.cancel()
                    case .saveLabelNames(let names, let id, let base):
                        if let failure = annotation.saveLabelNames(names, studyId: id, baseVersion: base) {
                            effects += Reducer.reduce(&state, failure)
                        }
                    case .suspend: session.suspend()
                    case .submit(let id, let labels, let base, let names):
                        effects += Reducer.reduce(&state, annotation.submit(id, labels: labels, basedOn: base, names: names))
                        state.studies = (try? entries(database)) ?? state.studies
                        // The submitted study leaves the ranking.
                        if state.studies.count > 0 && state.busy == nil { effects.append(.rank(state.strategy)) }
                        if trainOnSubmit && !training.isRunning {
                            effects += Reducer.reduce(&state, training.toggle(ModelAssistant.kind(state.assistant)))
                        }
                    }
                }
            }
        }
    }

    func segment(_ request: SegmentRequest, cancellation: Cancellation) -> Action {
        let start = DispatchTime.now()
        do {
            let seeds = Seeds(scribbles: request.seeds, backgroundValue: Draft.backgroundSeed)
            var options = GraphCutOptions()
            options.cancellation = cancellation
            let result = try GraphCutSegmenter.segment(request.image, seeds: seeds, options: options)
            return .segmented(result.labels, seconds: seconds(since: start))
        } catch {
            return .failed("\(error)")
        }
    }

    func entries(_ database: AppDatabase) throws -> [StudyEntry] {
        try OpenCommand.entries(database)
    }

    static func entries(_ database: AppDatabase) throws -> [StudyEntry] {
        try database.studyRows().map { row in
            StudyEntry(id: row.study.imageId, status: row.study.status.rawValue,
                       labels: row.newest.map { "\($0.key) v\($0.value.version)" }.sorted().joined(separator: ", "),
                       claimedBy: row.claim.flatMap { $0.isExpired(at: Date()) ? nil : $0.holder })
        }
    }

}

/// The bundled samples, copied once to a workspace so that the repository stays clean.
enum SampleWorkspace {
    static func prepare(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        let workspace = base + "/termlabel/samples"
        let source = environment["TERMLABEL_SAMPLES"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("samples").path
        let manager = FileManager.default
        for set in ["ct-abdomen", "mri-head"] where !manager.fileExists(atPath: workspace + "/" + set) {
            guard manager.fileExists(atPath: source + "/" + set) else {
                throw ValidationError("no samples at \(source) (set TERMLABEL_SAMPLES, or give a folder)")
            }
            try manager.createDirectory(atPath: workspace, withIntermediateDirectories: true)
            try manager.copyItem(atPath: source + "/" + set, toPath: workspace + "/" + set)
        }
        return workspace
    }
}
