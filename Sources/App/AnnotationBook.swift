// The app's link to the study list while annotating: opening a study (claim, draft restored from the journal,
// annotation session), journaling every edit, counting inputs, submitting, and letting go on the way out. Used on
// the effect runner's study queue only (hence unchecked), so that edits reach the journal in the order they were made.

import Datastore
import Foundation
import TUI
import Volume

final class AnnotationBook: @unchecked Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let annotator = Annotator.current
    private var studyId: String?
    private var session: Int64?
    private var lastClaim = Date.distantPast
    /// The next study of the review queue, read ahead.
    let prefetch: StudyPrefetch

    init(database: AppDatabase, clock: any AppClock) {
        self.database = database
        self.clock = clock
        prefetch = StudyPrefetch(database: database)
    }

    func open(_ id: String) -> [Action] {
        var actions = close()
        do {
            let study = try database.study(id)
            let newest = try database.newestLabel(id)
            let ahead = prefetch.take(id, record: study, newest: newest)
            let image = try ahead?.image ?? Volume(contentsOf: database.location.folder + "/" + study.path)
            var labels = LabelVolume(grid: image.grid)
            // A label that cannot be read is shown as such, never replaced by an empty draft that a submit would
            // then write over it.
            var readOnlyBecause: String?
            if let newest {
                do {
                    let saved = try ahead?.label?.labels ?? LabelVolume(contentsOf: newest.path)
                    if saved.grid.matches(image.grid) {
                        labels = saved
                    } else {
                        readOnlyBecause = "its label version \(newest.version) (\(newest.path)) is not on the image's grid"
                    }
                } catch {
                    readOnlyBecause = "its label version \(newest.version) cannot be read: \(error)"
                }
            }
            if readOnlyBecause == nil {
                do {
                    try database.claim(id, by: annotator)
                    lastClaim = clock.now()
                } catch let error as DatastoreError {
                    readOnlyBecause = "\(error)"
                }
            }
            var draft = Draft(labels: labels)
            var base = newest?.version
            var note: String?
            if readOnlyBecause == nil, let journaled = try database.draft(id, user: annotator.user),
               let rebuilt = try database.rebuildDraft(id, user: annotator.user, grid: image.grid) {
                draft = rebuilt
                base = journaled.baseVersion
                note = "restored: \(id) — restored your unsaved draft (\(journaled.edits.count) edits); S submits it"
            }
            if let readOnlyBecause { note = "\(id) read-only: \(readOnlyBecause)" }
            // A study a reviewer sent back says why, to whoever opens it next.
            if let rejection = try database.rejection(id) {
                let why = "v\(rejection.version) sent back by \(rejection.reviewer): \(rejection.comment)"
                note = note.map { $0 + "; " + why } ?? "\(id): " + why
            }
            let readOnly = readOnlyBecause != nil
            if !readOnly {
                studyId = id
                session = try database.startSession(id, user: annotator.user).id
            }
            let drafted = readOnly ? nil : try database.draftLabelNames(id, user: annotator.user)
            let names = try drafted ?? newest?.labelNames ?? LabelNamesFile.read(database.location.folder + "/labels.json")
            actions.append(.studyLoaded(OpenStudy(id: id, image: image, draft: draft, baseVersion: base, isCT: Modality.guess(image) == .ct,
                                                  labelNames: names, readOnly: readOnly), note: note))
        } catch {
            actions.append(.failed("\(id): \(error)"))
        }
        return actions
    }

    /// Journals one edit (durable on return), counts it, and renews the claim now and then.
    func journal(_ edit: DraftEdit, studyId id: String, baseVersion: Int?) -> [Action] {
        do {
            try database.journal(edit, imageId: id, user: annotator.user, baseVersion: baseVersion)
        } catch {
            return [.failed("could not journal the edit: \(error)")]
        }
        var actions: [Action] = []
        switch edit.kind {
        case .click, .prompt: actions += record(.click)
        case .scribble: actions += record(.scribbleStroke)
        case .brush, .erase, .clear, .interpolate: actions += record(.brushStroke)
        case .undo, .redo: actions += record(.undo)
        case .model: break
        }
        if clock.now().timeIntervalSince(lastClaim) > 60 {
            do {
                try database.claim(id, by: annotator)
                lastClaim = clock.now()
            } catch {
                actions.append(.failed("your hold on \(id) could not be renewed: \(error)"))
            }
        }
        return actions
    }

    func saveLabelNames(_ names: [LabelName], studyId id: String, baseVersion: Int?) -> [Action] {
        do {
            try database.journalLabelNames(names, imageId: id, user: annotator.user, baseVersion: baseVersion)
            return []
        } catch {
            return [.failed("could not keep the label names: \(error)")]
        }
    }

    /// Counts one input in the open study's annotation session.
    func record(_ input: AnnotationInput) -> [Action] {
        guard let session else { return [] }
        do {
            try database.record(input, session: session)
            return []
        } catch {
            return [.failed("could not count the input in this session: \(error)")]
        }
    }

    func submit(_ id: String, labels: LabelVolume, basedOn: Int?, names: [LabelName]) -> [Action] {
        do {
            let version = try database.saveLabel(labels, imageId: id, basedOn: basedOn, author: annotator.user, names: names)
            return [.submitted(version: version.version), .studiesListed(try StudyEntry.all(in: database, at: clock.now()))]
        } catch {
            return [.failed("\(id) was not submitted: \(error)")]
        }
    }

    /// Ends the session and releases the claim of the open study.
    func close() -> [Action] {
        var failures: [Action] = []
        if let session {
            do { try database.endSession(session) } catch { failures.append(.failed("could not end the annotation session: \(error)")) }
        }
        if let studyId {
            do { try database.releaseClaim(studyId, by: annotator) } catch { failures.append(.failed("could not release \(studyId): \(error)")) }
        }
        session = nil
        studyId = nil
        return failures
    }
}

extension StudyEntry {
    /// The study list's rows as the app shows them, then the image files that are not studies (`skipped`, from a
    /// sync), with why.
    public static func all(in database: AppDatabase, skipped: [SkippedImage] = [], at now: Date) throws -> [StudyEntry] {
        try database.studyRows().map { row in
            StudyEntry(id: row.study.imageId, status: row.study.status.rawValue,
                       labels: row.newest.map { "\($0.key) v\($0.value.version)" }.sorted().joined(separator: ", "),
                       claimedBy: row.claim.flatMap { $0.isExpired(at: now) ? nil : $0.holder })
        } + skipped.map { StudyEntry(id: $0.name, status: "unreadable", problem: $0.reason) }
    }
}
