// Review mode's keys and outcomes: the queue in the study list, one key per decision, stepping that opens the next
// study at once, jumps to where a structure is, and the difference overlay. No model runs in review mode.

import Datastore
import Render
import Volume

extension Reducer {
    /// Commands that review mode adds or refuses; nil when the command is not review's business.
    static func review(_ command: Command, count: Int, on state: inout AppState) -> [Effect]? {
        switch command {
        case .reviewMode:
            if state.review == nil { return enterReview(ReviewQueueFilter(), on: &state) }
            state.review = nil
            state.overlay = .fill
            state.layout = .single
            state.message = "review mode left"
            return [.listStudies]
        case .acceptReview, .rejectReview, .flagReview, .reviewDifference:
            guard let review = state.review else {
                state.message = "E starts review mode first"
                return []
            }
            guard let open = state.open, let figures = review.figures else {
                state.message = state.open == nil ? "open a study of the queue first (Enter)" : "the figures are still loading"
                return []
            }
            switch command {
            case .acceptReview:
                state.message = "accepting \(open.id) v\(figures.version)…"
                return [.decide(studyId: open.id, version: figures.version, verdict: .accepted, level: nil, comment: "")]
            case .rejectReview:
                state.prompt = Prompt(purpose: .rejectComment, title: "reject \(open.id) v\(figures.version), why (Enter sends, Esc leaves)", text: "")
            case .flagReview:
                state.prompt = Prompt(purpose: .flagComment, title: "flag \(open.id) v\(figures.version): level 1–3, then a comment", text: "")
            default:
                if review.difference != nil {
                    state.review?.difference = nil
                    state.message = "labels shown"
                } else if let comparison = review.comparison, comparison.grid.shape == open.labels.grid.shape {
                    state.review?.difference = difference(open.labels, comparison)
                    let changed = state.review!.difference!.voxels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
                    state.message = "difference from \(review.comparisonName): \(changed) voxels; colour 1 only here, colour 2 only there (D hides)"
                } else {
                    state.message = "nothing to compare with: no model original and no earlier version"
                }
            }
            return []
        case .jumpToStructure:
            guard let open = state.open else { return [] }
            jump(to: open, on: &state)
            return []
        case .cycleAssistant, .autoSegment, .refine, .train, .cycleStrategy, .openSuggested:
            guard state.review != nil else { return nil }
            state.message = "review mode runs no models (E leaves it)"
            return []
        case .nextStudy, .previousStudy:
            // In review mode a step opens the study at once.
            guard state.review != nil, !state.studies.isEmpty else { return nil }
            let step = command == .nextStudy ? count : -count
            let target = min(max(state.selected + step, 0), state.studies.count - 1)
            if target == state.selected && state.open?.id == state.studies[target].id {
                state.message = command == .nextStudy ? "the last study of the queue" : "the first study of the queue"
                return []
            }
            state.selected = target
            return open(state.studies[target].id, on: &state)
        default:
            return nil
        }
    }

    /// Review mode on the queue `filter` selects: labels outlined, three views where they fit, the first study opened
    /// once the queue is read.
    public static func enterReview(_ filter: ReviewQueueFilter, on state: inout AppState) -> [Effect] {
        state.review = ReviewMode(filter: filter)
        state.overlay = .outline
        state.layout = .threeUp
        state.message = "review mode: n/p step, Y accepts, X rejects, F flags, D differences, z jumps; E leaves"
        return [.listReviewQueue(filter)]
    }

    static func open(_ id: String, on state: inout AppState) -> [Effect] {
        state.review?.figures = nil
        state.review?.decisions = []
        state.review?.comparison = nil
        state.review?.difference = nil
        state.review?.nextJump = 0
        state.message = "opening \(id)…"
        return [.load(studyId: id)]
    }

    /// A reviewer's prompt answered: a rejection's comment, or a flag's level and comment.
    static func acceptReviewPrompt(_ prompt: Prompt, on state: inout AppState) -> [Effect] {
        guard let open = state.open, let figures = state.review?.figures else { return [] }
        let text = prompt.text.trimmingCharacters(in: .whitespaces)
        if prompt.purpose == .rejectComment {
            guard !text.isEmpty else {
                state.message = "a rejection needs a comment for the annotator: nothing recorded"
                return []
            }
            return [.decide(studyId: open.id, version: figures.version, verdict: .rejected, level: nil, comment: text)]
        }
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let level = parts.first.flatMap({ Int($0) }), (1...3).contains(level) else {
            state.message = "a flag starts with its level 1–3 (e.g. \"2 check the lower pole\"): nothing recorded"
            return []
        }
        return [.decide(studyId: open.id, version: figures.version, verdict: .flagged, level: level, comment: parts.count > 1 ? parts[1] : "")]
    }

    /// Review outcomes; nil for other actions.
    static func reduceReview(_ state: inout AppState, _ action: Action) -> [Effect]? {
        switch action {
        case .reviewQueueListed(let entries):
            guard state.review != nil else { return [] }
            let selectedId = state.studies.indices.contains(state.selected) ? state.studies[state.selected].id : nil
            state.studies = entries
            state.selected = selectedId.flatMap { id in entries.firstIndex { $0.id == id } } ?? 0
            if entries.isEmpty {
                state.message = "nothing to review: no final label waits for a decision"
                return []
            }
            // Entering review mode opens the first study of the queue.
            if state.open.map({ open in !entries.contains { $0.id == open.id } }) ?? true {
                state.selected = 0
                return open(entries[0].id, on: &state)
            }
            return state.review?.figures == nil && state.open != nil ? [.loadReviewFigures(studyId: state.open!.id)] : []
        case .reviewFiguresLoaded(let id, let figures, let decisions, let comparison, let comparisonName):
            guard state.review != nil, state.open?.id == id else { return [] }
            state.review?.figures = figures
            state.review?.decisions = decisions
            state.review?.comparison = comparison
            state.review?.comparisonName = comparisonName
            state.review?.nextJump = 0
            // The active label's largest slice (the first structure's, if the active label is not there): where a
            // reviewer looks first.
            let shown = figures.structures.filter { $0.measure.voxels > 0 }
            if let open = state.open, let first = shown.first {
                if !shown.contains(where: { $0.measure.label == state.activeLabel }) { state.activeLabel = first.measure.label }
                state.review?.nextJump = 1
                jump(to: open, on: &state)
            }
            state.message = (state.review?.lastDecision.map { $0 + "; " } ?? "") + summary(id, figures, decisions)
            state.review?.lastDecision = nil
            // The studies a step either way would open, read while this one is looked at (forward first).
            guard let here = state.studies.firstIndex(where: { $0.id == id }) else { return [] }
            return [here + 1, here - 1].filter { state.studies.indices.contains($0) }.map { .prefetch(studyId: state.studies[$0].id) }
        case .decided(let decision, let id):
            if let n = state.studies.firstIndex(where: { $0.id == id }) {
                state.studies[n].status = decision.verdictText
            }
            if state.open?.id == id { state.review?.decisions.append(decision) }
            let done = "\(id) v\(decision.version) \(decision.decision.rawValue)"
            state.review?.lastDecision = done
            // The next study still waiting, after this one.
            let here = state.studies.firstIndex { $0.id == id } ?? state.selected
            guard let next = state.studies.indices.first(where: { $0 > here && (state.studies[$0].status == "pending" || state.studies[$0].status.hasPrefix("flagged")) })
            else {
                state.review?.lastDecision = nil
                state.message = done + "; nothing left in the queue after it"
                return []
            }
            state.selected = next
            let effects = open(state.studies[next].id, on: &state)
            state.message = done + "; opening \(state.studies[next].id)…"
            return effects
        default:
            return nil
        }
    }

    static func summary(_ id: String, _ figures: ReviewFigures, _ decisions: [ReviewDecision]) -> String {
        let last = decisions.last.map { "; \($0.decision.rawValue) by \($0.reviewer)" + ($0.comment.isEmpty ? "" : ": \($0.comment)") } ?? ""
        let present = figures.structures.filter { $0.measure.voxels > 0 }.count
        let count = present == 1 ? "1 structure" : "\(present) structures"
        return "\(id) final v\(figures.version) by \(figures.author), \(count)\(last)"
    }

    /// 1 where only `labels` has a structure (or another label than `other`), 2 where only `other` has one.
    static func difference(_ labels: LabelVolume, _ other: LabelVolume) -> LabelVolume {
        var result = LabelVolume(grid: labels.grid)
        for n in 0..<labels.voxels.count where labels.voxels[n] != other.voxels[n] {
            result.voxels[n] = labels.voxels[n] != 0 ? 1 : 2
        }
        return result
    }

    /// The cursor to the active label's next slice of interest (first, largest, last along the slice axis),
    /// at the structure's centre in that slice, in the view that shows such slices.
    static func jump(to open: OpenStudy, on state: inout AppState) {
        // The figures have the span already; without them (outside review) one pass over the labels finds it.
        let known = state.review?.figures?.structures.first { $0.measure.label == state.activeLabel }?.measure
        let span = known.flatMap { $0.voxels > 0 ? ($0.firstSlice, $0.largestSlice, $0.lastSlice) : nil }
            ?? open.labels.sliceSpan(of: state.activeLabel)
        guard let span else {
            state.message = "label \(state.activeLabel) has no voxels in this study"
            return
        }
        let which = (state.review?.nextJump ?? 0) % 3
        let k = [span.0, span.1, span.2][which]
        let shape = open.labels.shape
        var (sumI, sumJ, n) = (0, 0, 0)
        for j in 0..<shape[1] {
            for i in 0..<shape[0] where open.labels[i, j, k] == state.activeLabel {
                sumI += i
                sumJ += j
                n += 1
            }
        }
        if n > 0 { state.cursor = VoxelIndex(sumI / n, sumJ / n, k) } else { state.cursor.k = k }
        if let plane = SlicePlane.allCases.first(where: { PlaneGeometry(grid: open.image.grid, plane: $0).fixedAxis == 2 }) {
            state.plane = plane
        }
        state.viewport.center = nil
        state.review?.nextJump = which + 1
        state.message = "\(open.name(of: state.activeLabel)): \(["first", "largest", "last"][which]) slice, \(k + 1) of \(shape[2]) (z: next)"
    }
}
