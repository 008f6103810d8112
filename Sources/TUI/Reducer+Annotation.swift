// The annotation commands: clicks, scribbles, brush and eraser, labels, undo/redo, segmenting and submitting.
// Every change of the draft is an edit that is applied, made undoable and handed to the journal.

import Datastore
import Foundation
import Segmenters
import Volume

extension Reducer {
    static func annotate(_ command: Command, count: Int, on state: inout AppState) -> [Effect]? {
        switch command {
        case .cancel:
            if state.showHelp { state.showHelp = false; return [] }
            if state.busy != nil { state.busy = nil; state.message = "cancelled"; return [.cancelWork] }
            state.tool = .navigate
            state.promptPoints = []
            return []
        case .scribbleForeground, .scribbleBackground, .paint, .erase:
            let tool: Tool = switch command {
            case .scribbleForeground: .scribbleForeground
            case .scribbleBackground: .scribbleBackground
            case .paint: .paint
            default: .erase
            }
            state.tool = state.tool == tool ? .navigate : tool
            return state.tool == .navigate ? [] : stroke(&state)
        case .brushBigger, .brushSmaller, .brush3D:
            if command == .brushBigger { state.brushRadiusMM = min(state.brushRadiusMM * pow(1.25, Double(count)), 60) }
            if command == .brushSmaller { state.brushRadiusMM = max(state.brushRadiusMM / pow(1.25, Double(count)), 0.5) }
            if command == .brush3D { state.brush3D.toggle() }
            state.message = "brush: " + (state.brush3D ? "sphere" : "disk") + " of radius \(Screen.format(state.brushRadiusMM)) mm"
            return []
        case .cycleAssistant:
            let all = Assistant.allCases
            state.assistant = all[(all.firstIndex(of: state.assistant)! + count) % all.count]
            state.message = "click tool: " + (state.assistant == .classical
                ? "classical graph cut (r segments from the seeds)"
                : "\(state.assistant.rawValue) (each click updates the label; r reruns; t trains it)")
            return []
        case .train:
            return [.toggleTraining(state.assistant)]
        case .nextLabel:
            state.activeLabel = min(state.activeLabel + UInt16(count), 254)
            state.message = "active label \(state.activeLabel): \(state.open?.name(of: state.activeLabel) ?? "")"
            return []
        case .previousLabel:
            state.activeLabel = UInt16(max(Int(state.activeLabel) - count, 1))
            state.message = "active label \(state.activeLabel): \(state.open?.name(of: state.activeLabel) ?? "")"
            return []
        default:
            break
        }
        guard let open = state.open else { return nil }
        switch command {
        case .clickPositive, .clickNegative:
            let value = command == .clickPositive ? state.activeLabel : Draft.backgroundSeed
            // Where the ball overlaps an earlier click's, a voxel stays with the nearer click, as `Seeds(clicks:)`
            // splits them: a negative click beside a positive one keeps the positive click's own voxel.
            let grid = open.image.grid, cursor = state.cursor
            let offsets = ball(around: cursor, radiusMM: 3, grid: grid, plane: nil).filter { o in
                let v = grid.voxel(atOffset: o)
                let mine = grid.squaredDistanceMM(v, cursor)
                return !open.draft.clicks.contains { grid.squaredDistanceMM(v, $0.voxel) < mine }
            }
            let click = Click(cursor, label: state.activeLabel, positive: command == .clickPositive)
            var effects = apply(open.draft.edit(.click, setting: offsets, to: value, clicks: [click]), to: &state)
            if !effects.isEmpty {
                state.message = command == .clickPositive ? "positive click for \(open.name(of: state.activeLabel)) (r segments)" : "negative click (r segments)"
                // A click model answers every click, as MONAI Label's DeepGrow does.
                if state.assistant != .classical, state.busy == nil {
                    if let request = modelRequest(.clicks(state.assistant), state: state) {
                        state.busy = "\(state.assistant.rawValue)…"
                        effects.append(.infer(request))
                    } else {
                        state.message = "\(command == .clickPositive ? "positive" : "negative") click: \(state.assistant.rawValue) answers once "
                            + "\(open.name(of: state.activeLabel)) has a positive click (Space)"
                    }
                }
            }
            return effects
        case .box, .lasso:
            return prompt(command, on: &state)
        case .undo, .redo:
            var effects: [Effect] = []
            for _ in 0..<count {
                let target = command == .undo ? state.open?.draft.applied.last : state.open?.draft.undone.last
                let done = apply(DraftEdit(kind: command == .undo ? .undo : .redo), to: &state)
                if let target, !done.isEmpty { state.message = (command == .undo ? "undid " : "redid ") + "the \(target.kind.rawValue)" }
                effects += done
            }
            return effects
        case .renameLabel:
            guard !open.readOnly else { state.message = "\(open.id) is open read-only"; return [] }
            state.prompt = Prompt(purpose: .renameLabel(state.activeLabel), title: "name of label \(state.activeLabel) (Enter keeps, Esc leaves)",
                                  text: open.labelNames.contains { $0.value == state.activeLabel } ? open.name(of: state.activeLabel) : "")
            return []
        case .recolorLabel:
            guard !open.readOnly else { state.message = "\(open.id) is open read-only"; return [] }
            // The next colour of the theme's palette after the label's current one.
            let colors = state.theme.palette.colors
            let current = state.palette.color(state.activeLabel)
            let next = colors[((colors.firstIndex(of: current) ?? -1) + count) % colors.count]
            var study = open
            study.update(state.activeLabel, color: next)
            state.open = study
            state.message = "label \(state.activeLabel) \(study.name(of: state.activeLabel)) is now \(next)"
            return [.saveLabelNames(study.labelNames, studyId: study.id, baseVersion: study.baseVersion)]
        case .interpolate:
            guard let geometry = state.geometry else { return [] }
            let offsets = SliceInterpolation.fill(open.draft.labels, label: state.activeLabel, axis: geometry.fixedAxis)
            guard !offsets.isEmpty else {
                state.message = "nothing to fill: draw \(open.name(of: state.activeLabel)) on two slices of this view with a gap between"
                return []
            }
            let effects = apply(open.draft.edit(.interpolate, setting: offsets, to: state.activeLabel), to: &state)
            if !effects.isEmpty { state.message = "filled \(open.name(of: state.activeLabel)) between its slices (\(offsets.count) voxels; u undoes it)" }
            return effects
        case .clearLabel:
            let offsets = open.draft.labels.voxels.indices.filter { open.draft.labels.voxels[$0] == state.activeLabel }
            let effects = apply(open.draft.edit(.clear, setting: offsets, to: 0), to: &state)
            if !effects.isEmpty { state.message = "cleared \(open.name(of: state.activeLabel)) (\(offsets.count) voxels; u undoes it)" }
            return effects
        case .segment where state.assistant != .classical, .autoSegment, .refine:
            guard state.busy == nil else { return [] }
            let task: ModelRequest.Task = switch command {
            case .autoSegment: .automatic
            case .refine: .refine
            default: .clicks(state.assistant)
            }
            guard let request = modelRequest(task, state: state) else {
                state.message = "no seeds of \(open.name(of: state.activeLabel)) yet: click (Space) or scribble (f) inside it first"
                return []
            }
            state.busy = task == .automatic ? "automatic segmentation…" : task == .refine ? "refining…" : "\(state.assistant.rawValue)…"
            state.message = state.busy! + " (Esc cancels)"
            return [.infer(request)]
        case .segment:
            guard state.busy == nil else { return [] }
            guard open.draft.seeds.voxels.contains(where: { $0 != 0 && $0 != Draft.backgroundSeed }) else {
                state.message = "no seeds yet: click (Space) or scribble (f) inside the structure first"
                return []
            }
            state.busy = "segmenting…"
            state.message = "segmenting… (Esc cancels)"
            return [.segment(SegmentRequest(image: open.image, seeds: open.draft.seeds, clicks: open.draft.clicks, label: state.activeLabel))]
        case .saveDraft:
            state.message = "the draft is journaled as you go: nothing can be lost; S submits it as final"
            return []
        case .submit:
            guard !open.readOnly else { state.message = "\(open.id) is open read-only"; return [] }
            state.message = "submitting…"
            let highest = max(state.activeLabel, open.draft.labels.labelsPresent.max() ?? 1, open.labelNames.map(\.value).max() ?? 1)
            let names = (1...highest).map {
                LabelName(value: $0, name: open.name(of: $0), color: state.palette.color($0).description)
            }
            return [.submit(studyId: open.id, labels: open.draft.labels, baseVersion: open.baseVersion, names: names)]
        default:
            return nil
        }
    }

    /// What a prompt's text does once accepted.
    static func accept(_ prompt: Prompt, on state: inout AppState) -> [Effect] {
        guard var open = state.open else { return [] }
        switch prompt.purpose {
        case .renameLabel(let label):
            let name = prompt.text.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { state.message = "a label needs a name: unchanged"; return [] }
            if let other = open.labelNames.first(where: { $0.name == name && $0.value != label }) {
                state.message = "label \(other.value) is already called \(name): unchanged"
                return []
            }
            open.update(label, name: name)
            state.open = open
            state.message = "label \(label) is now \(name) (S submits it with the labels)"
            return [.saveLabelNames(open.labelNames, studyId: open.id, baseVersion: open.baseVersion)]
        case .rejectComment, .flagComment:
            return acceptReviewPrompt(prompt, on: &state)
        }
    }

    /// A box or lasso: the first press starts it at the cursor, the second completes it there, sets its seeds as
    /// one edit and segments with the classical tool (a model sees seeds only as clicks).
    static func prompt(_ command: Command, on state: inout AppState) -> [Effect] {
        guard let open = state.open else { return [] }
        let tool: Tool = command == .box ? .box : .lasso
        guard state.tool == tool else {
            state.tool = tool
            state.promptPoints = [state.cursor]
            state.message = command == .box ? "box: move to the opposite corner on this slice, then v again (Esc leaves)"
                                            : "lasso: trace the outline on this slice, then V again to close it (Esc leaves)"
            return []
        }
        state.tool = .navigate
        let points = state.promptPoints + [state.cursor]
        state.promptPoints = []
        let grid = open.image.grid
        let seeds: Seeds
        do {
            seeds = command == .box ? try SlicePrompt.box(points[0], state.cursor, label: state.activeLabel, grid: grid)
                                    : try SlicePrompt.lasso(points, label: state.activeLabel, grid: grid)
        } catch {
            state.message = "\(command.rawValue): \(error)"
            return []
        }
        let inside = (seeds.foreground[state.activeLabel] ?? []).map(grid.offset)
        let taken = Set(inside)
        let outside = seeds.background.map(grid.offset).filter { !taken.contains($0) }
        let edit = DraftEdit(kind: .prompt, changes: open.draft.edit(.prompt, setting: inside, to: state.activeLabel).changes
                                                     + open.draft.edit(.prompt, setting: outside, to: Draft.backgroundSeed).changes)
        var effects = apply(edit, to: &state)
        guard !effects.isEmpty, let drawn = state.open, state.busy == nil else { return effects }
        state.busy = "segmenting…"
        state.message = "\(command.rawValue) for \(drawn.name(of: state.activeLabel)): segmenting… (Esc cancels)"
        effects.append(.segment(SegmentRequest(image: drawn.image, seeds: drawn.draft.seeds, clicks: drawn.draft.clicks, label: state.activeLabel)))
        return effects
    }

    /// The brush (or scribble) at the cursor, when a drawing tool is on; a lasso takes the cursor as its next point.
    static func stroke(_ state: inout AppState) -> [Effect] {
        guard let open = state.open, state.tool != .navigate else { return [] }
        if state.tool == .box { return [] }
        if state.tool == .lasso {
            if state.promptPoints.last != state.cursor { state.promptPoints.append(state.cursor) }
            return []
        }
        let plane = state.brush3D ? nil : state.plane
        let offsets = ball(around: state.cursor, radiusMM: state.brushRadiusMM, grid: open.image.grid, plane: plane)
        let edit: DraftEdit = switch state.tool {
        case .scribbleForeground: open.draft.edit(.scribble, setting: offsets, to: state.activeLabel)
        case .scribbleBackground: open.draft.edit(.scribble, setting: offsets, to: Draft.backgroundSeed)
        case .paint: open.draft.edit(.brush, setting: offsets, to: state.activeLabel)
        default: open.draft.edit(.erase, setting: offsets, to: 0)
        }
        return edit.changes.isEmpty ? [] : apply(edit, to: &state)
    }

    static func apply(_ edit: DraftEdit, to state: inout AppState) -> [Effect] {
        guard var open = state.open else { return [] }
        guard !open.readOnly else {
            state.message = "\(open.id) is open read-only: edits are not possible"
            state.tool = .navigate
            return []
        }
        guard open.draft.apply(edit) else {
            state.message = edit.kind == .undo ? "nothing to undo" : "nothing to redo"
            return []
        }
        state.open = open
        state.unsaved = true
        return [.journal(edit, studyId: open.id, baseVersion: open.baseVersion)]
    }

    /// A model call for the open study, when its inputs are there: DeepGrow needs a positive click on the active
    /// label, DeepEdit any click, refinement a seed (click or scribble) of the active label.
    static func modelRequest(_ task: ModelRequest.Task, state: AppState) -> ModelRequest? {
        guard let open = state.open else { return nil }
        let clicks = open.draft.clicks
        switch task {
        case .clicks(.deepgrow2d), .clicks(.deepgrow3d):
            if !clicks.contains(where: { $0.positive && $0.label == state.activeLabel }) { return nil }
        case .clicks:
            if clicks.isEmpty { return nil }
        case .refine:
            if !open.draft.seeds.voxels.contains(state.activeLabel) { return nil }
        case .automatic:
            break
        }
        return ModelRequest(task: task, studyId: open.id, image: open.image, seeds: open.draft.seeds, clicks: clicks, label: state.activeLabel)
    }

    /// A model's answer becomes one undoable edit: within its region, the labels it speaks for are replaced
    /// by what it says; other labels stay.
    static func accept(_ result: LabelVolume, labels: [UInt16], region: VoxelBox?, on state: inout AppState) -> [Effect] {
        guard let open = state.open, result.voxels.count == open.draft.labels.voxels.count else { return [] }
        let spoken = Set(labels)
        let grid = open.image.grid
        let box = region ?? VoxelBox(lower: VoxelIndex(0, 0, 0), upper: VoxelIndex(grid.shape[0], grid.shape[1], grid.shape[2]))
        var changes: [(offset: Int32, old: UInt16, new: UInt16)] = []
        for k in box.lower.k..<box.upper.k { for j in box.lower.j..<box.upper.j { for i in box.lower.i..<box.upper.i {
            let n = grid.offset(i, j, k)
            let old = open.draft.labels.voxels[n], new = result.voxels[n]
            let target = spoken.contains(new) ? new : (spoken.contains(old) ? 0 : old)
            if target != old { changes.append((Int32(n), old, target)) }
        } } }
        return apply(DraftEdit(kind: .model, changes: changes), to: &state)
    }

    /// A model's (or the segmenter's) result becomes one undoable edit: the labels it speaks for are replaced.
    static func accept(_ result: LabelVolume, on state: inout AppState) -> [Effect] {
        guard let open = state.open, result.voxels.count == open.draft.labels.voxels.count else { return [] }
        let seeded = Set(open.draft.seeds.voxels.filter { $0 != 0 && $0 != Draft.backgroundSeed })
        var changes: [(offset: Int32, old: UInt16, new: UInt16)] = []
        for n in 0..<result.voxels.count {
            let old = open.draft.labels.voxels[n], new = result.voxels[n]
            let target = seeded.contains(new) ? new : (seeded.contains(old) ? 0 : old)
            if target != old { changes.append((Int32(n), old, target)) }
        }
        return apply(DraftEdit(kind: .model, changes: changes), to: &state)
    }

    /// Voxel offsets within `radiusMM` of a voxel: a disk in the plane of `plane`, or a ball when nil.
    static func ball(around centre: VoxelIndex, radiusMM: Double, grid: Grid, plane: SlicePlane?) -> [Int] {
        let fixed = plane.map { PlaneGeometry(grid: grid, plane: $0).fixedAxis }
        let reach = (0..<3).map { axis in axis == fixed ? 0 : Int((radiusMM / grid.spacingMM[axis]).rounded(.down)) }
        var out: [Int] = []
        for dk in -reach[2]...reach[2] { for dj in -reach[1]...reach[1] { for di in -reach[0]...reach[0] {
            let v = VoxelIndex(centre.i + di, centre.j + dj, centre.k + dk)
            let x = Double(di) * grid.spacingMM[0], y = Double(dj) * grid.spacingMM[1], z = Double(dk) * grid.spacingMM[2]
            if x * x + y * y + z * z <= radiusMM * radiusMM + 1e-9 && grid.contains(v) { out.append(grid.offset(v)) }
        } } }
        return out
    }
}
