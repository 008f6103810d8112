// Review mode's reads and writes, on the study queue like every other study I/O: the queue, a final version's
// figures with what its difference overlay compares with, and decisions recorded in the reviewer's name.

import Datastore
import Foundation
import TUI
import Volume

extension AnnotationBook {
    func reviewQueue(_ filter: ReviewQueueFilter) -> [Action] {
        do {
            return [.reviewQueueListed(try database.reviewQueue(filter).map(StudyEntry.init(reviewing:)))]
        } catch {
            return [.failed("the review queue could not be read: \(error)")]
        }
    }

    func reviewFigures(_ id: String) -> [Action] {
        do {
            let figures = try database.reviewFigures(id)
            let decisions = try database.reviewDecisions(id).filter { $0.version == figures.version }
            // The model's original output when there is one, else the version before.
            var comparison: LabelVolume?
            var name = ""
            if let version = figures.originalVersion, let original = try database.readLabel(id, tag: "original", version: version) {
                comparison = original
                name = "the original (\(figures.originalAuthor ?? "a model"))"
            } else if let previous = figures.previousVersion, let label = try database.readLabel(id, version: previous) {
                comparison = label
                name = "final v\(previous)"
            }
            return [.reviewFiguresLoaded(studyId: id, figures, decisions, comparison: comparison, comparisonName: name)]
        } catch {
            return [.failed("\(id): the review figures could not be computed: \(error)")]
        }
    }

    func decide(_ id: String, version: Int, verdict: ReviewVerdict, level: Int?, comment: String) -> [Action] {
        do {
            let decision = try database.decide(id, version: version, reviewer: annotator.user, verdict: verdict, level: level,
                                               comment: comment, at: clock.now())
            return [.decided(decision, studyId: id)]
        } catch {
            return [.failed("\(error)")]
        }
    }
}
