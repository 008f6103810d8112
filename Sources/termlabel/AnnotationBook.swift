// The app's link to the study list while annotating: opening a study (claim, draft restored from the journal,
// annotation session), journaling every edit, counting inputs, submitting, and letting go on the way out.

import Datastore
import Foundation
import Segmenters
import TUI
import Volume

struct AnnotationBook {
    let database: AppDatabase
    let annotator = Annotator.current
    var studyId: String?
    var session: Int64?
    var lastClaim = Date.distantPast

    init(database: AppDatabase) { self.database = database }

    mutating func open(_ id: String, message: inout String) -> Action {
        close()
        do {
            let study = try database.study(id)
            let image = try Volume(contentsOf: database.location.folder + "/" + study.path)
            let newest = try database.newestLabel(id)
            var labels = LabelVolume(grid: image.grid)
            if let newest, let saved = try? LabelVolume(contentsOf: newest.path), saved.grid.matches(image.grid) { labels = saved }
            var note = ""
            var readOnly = false
            do {
                try database.claim(id, by: annotator)
                lastClaim = Date()
            } catch let error as DatastoreError {
                note = " — read-only: \(error)"
                readOnly = true
            }
            var draft = Draft(labels: labels)
            var base = newest?.version
            if !readOnly, let journaled = try database.draft(id, user: annotator.user),
               let rebuilt = try database.rebuildDraft(id, user: annotator.user, grid: image.grid) {
                draft = rebuilt
                base = journaled.baseVersion
                note = " — restored your unsaved draft (\(journaled.edits.count) edits); S submits it" + note
            }
            if !readOnly {
                studyId = id
                session = try database.startSession(id, user: annotator.user).id
            }
            let drafted = readOnly ? nil : try database.draftLabelNames(id, user: annotator.user)
            let names = drafted ?? newest?.labelNames ?? LabelNamesFile.read(database.location.folder + "/labels.json")
            if !note.isEmpty { message = (readOnly ? "" : "restored: ") + id + note }
            return .studyLoaded(OpenStudy(id: id, image: image, draft: draft, baseVersion: base,
                                          isCT: Modality.guess(image) == .ct, labelNames: names, readOnly: readOnly))
        } catch {
            return .failed("\(error)")
        }
    }

    /// Journals one edit (durable on return), counts it, and renews the claim now and then.
    mutating func journal(_ edit: DraftEdit, studyId id: String, baseVersion: Int?) -> Action? {
        do {
            try database.journal(edit, imageId: id, user: annotator.user, baseVersion: baseVersion)
            switch edit.kind {
            case .click, .prompt: record(.click)
            case .scribble: record(.scribbleStroke)
            case .brush, .erase, .clear, .interpolate: record(.brushStroke)
            case .undo, .redo: record(.undo)
            case .model: break
            }
            if Date().timeIntervalSince(lastClaim) > 60 {
                _ = try? database.claim(id, by: annotator)
                lastClaim = Date()
            }
            return nil
        } catch {
            return .failed("could not journal the edit: \(error)")
        }
    }

    func saveLabelNames(_ names: [LabelName], studyId id: String, baseVersion: Int?) -> Action? {
        do {
            try database.journalLabelNames(names, imageId: id, user: annotator.user, baseVersion: baseVersion)
            return nil
        } catch {
            return .failed("could not keep the label names: \(error)")
        }
    }

    func record(_ input: AnnotationInput) {
        if let session { try? database.record(input, session: session) }
    }

    func submit(_ id: String, labels: LabelVolume, basedOn: Int?, names: [LabelName]) -> Action {
        do {
            let version = try database.saveLabel(labels, imageId: id, basedOn: basedOn, author: annotator.user, names: names)
            return .submitted(version: version.version)
        } catch {
            return .failed("\(error)")
        }
    }

    /// Ends the session and releases the claim of the open study.
    mutating func close() {
        if let session { try? database.endSession(session) }
        if let studyId { try? database.releaseClaim(studyId, by: annotator) }
        session = nil
        studyId = nil
    }
}

/// One job at a time off the UI thread; its result comes back as an action. Cancelling tells the job to stop (it
/// checks its `Cancellation` between steps) and drops whatever it still returns.
final class BackgroundWork: @unchecked Sendable {
    private let lock = NSLock()
    private var generation = 0
    private var results: [Action] = []
    private var running: Cancellation?

    func start(_ job: @escaping @Sendable (Cancellation) -> Action) {
        lock.lock()
        generation += 1
        let mine = generation
        running?.cancel()
        let cancellation = Cancellation()
        running = cancellation
        lock.unlock()
        DispatchQueue.global(qos: .userInitiated).async {
            let action = job(cancellation)
            self.lock.lock()
            if mine == self.generation { self.results.append(action) }
            self.lock.unlock()
        }
    }

    func cancel() {
        lock.lock()
        generation += 1
        running?.cancel()
        running = nil
        lock.unlock()
    }

    func finished() -> [Action] {
        lock.lock()
        defer { lock.unlock() }
        let out = results
        results = []
        return out
    }
}
