// state + action → new state + effects, with nothing else touched: every key's behaviour is testable without a
// terminal.

import Foundation
import Cells
import Datastore
import Learning
import Render
import Volume

public enum Reducer {
    /// What `busy` says while a ranking the annotator asked for runs.
    static let ranking = "ranking…"

    /// A ranking the annotator asked for. One background job at a time: a ranking would cancel the segmentation
    /// that runs. The list keeps its current order (and title) until the new ranking arrives.
    static func startRanking(_ strategy: Strategy, _ state: inout AppState) -> [Effect] {
        guard state.busy == nil else {
            state.message = "\(state.busy!) still runs: wait for it, or Esc cancels it"
            return []
        }
        state.message = "ranking the unlabeled studies by \(strategy.rawValue)… (Esc cancels)"
        state.busy = ranking
        return [.rank(strategy)]
    }

    public static func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
        if let effects = reduceReview(&state, action) { return effects }
        switch action {
        case .key(let key):
            if state.prompt != nil { return edit(&state, with: key) }
            if case .character(let c) = key, let digit = c.wholeNumberValue, state.pendingCount > 0 || digit > 0,
               state.keymap.bindings[key] == nil || state.pendingCount > 0 {
                state.pendingCount = min(state.pendingCount * 10 + digit, 9999)
                return []
            }
            guard let command = state.keymap.bindings[key] else {
                state.pendingCount = 0
                return []
            }
            let count = max(state.pendingCount, 1)
            state.pendingCount = 0
            return run(command, count: count, on: &state)
        case .mouse(let button, let x, let y, let pressed):
            return mouse(button, x: x, y: y, pressed: pressed, on: &state)
        case .resize(let width, let height):
            state.screen = (width, height)
            return [.invalidateScreen]
        case .cellSize(let width, let height):
            state.cellPixels = (width, height)
            return []
        case .studyLoaded(let study, let note):
            state.open = study
            state.unsaved = false
            state.tool = .navigate
            state.cursor = VoxelIndex(study.image.shape[0] / 2, study.image.shape[1] / 2, study.image.shape[2] / 2)
            state.viewport = Viewport()
            state.window = study.isCT ? .softTissue : .percentiles(of: study.image)
            state.focus = .view
            state.message = note ?? "\(study.id) opened"
            return state.review != nil ? [.loadReviewFigures(studyId: study.id)] : []
        case .segmented(let result, let seconds):
            state.busy = nil
            let effects = accept(result, on: &state)
            state.message = String(format: "segmented in %.1f s (u undoes it)", seconds)
            return effects
        case .inferred(let result, let labels, let region, let seconds, let note):
            state.busy = nil
            let effects = accept(result, labels: labels, region: region, on: &state)
            state.message = note + String(format: " in %.2f s (u undoes it)", seconds)
            return effects
        case .training(let text, let message):
            state.training = text
            if let message { state.message = message }
            return []
        case .submitted(let version):
            state.open?.baseVersion = version
            state.unsaved = false
            state.message = "submitted as final version \(version)"
            // A fix made during review is the version reviewed now.
            if state.review != nil, let id = state.open?.id { return [.loadReviewFigures(studyId: id)] }
            return state.trainOnSubmit && state.training == nil ? [.toggleTraining(state.assistant)] : []
        case .studiesListed(let studies):
            // In review mode the list is the queue.
            if let review = state.review { return [.listReviewQueue(review.filter)] }
            let selectedId = state.studies.indices.contains(state.selected) ? state.studies[state.selected].id : nil
            // Files that are not studies stay listed after the studies.
            state.studies = studies + state.studies.filter { $0.problem != nil }
            if let selectedId, let n = studies.firstIndex(where: { $0.id == selectedId }) { state.selected = n }
            state.selected = min(state.selected, max(studies.count - 1, 0))
            // The submitted study leaves the ranking: rank again, quietly, unless a job runs.
            return !studies.isEmpty && state.busy == nil ? [.rank(state.strategy)] : []
        case .ranked(let strategy, let order):
            // A ranking the annotator asked for says what comes next; the quiet one after a submit keeps the
            // submit's message on the line.
            let asked = state.busy == Self.ranking
            if asked { state.busy = nil }
            state.strategy = strategy
            let selectedId = state.studies.indices.contains(state.selected) ? state.studies[state.selected].id : nil
            let place = Dictionary(order.enumerated().map { ($0.element.id, ($0.offset + 1, $0.element.score)) }, uniquingKeysWith: { a, _ in a })
            for n in state.studies.indices {
                state.studies[n].rank = place[state.studies[n].id]?.0
                state.studies[n].score = place[state.studies[n].id]?.1
            }
            // Ranked studies first, in their order; the others after, by id.
            state.studies.sort { a, b in
                switch (a.rank, b.rank) {
                case let (x?, y?): x < y
                case (.some, nil): true
                case (nil, .some): false
                default: a.id < b.id
                }
            }
            if let selectedId, let n = state.studies.firstIndex(where: { $0.id == selectedId }) { state.selected = n }
            if asked {
                state.message = order.first.map { "by \(strategy.rawValue), label \($0.id) next (Ctrl-N opens it)" } ?? "no unlabeled study left to rank"
            }
            return []
        case .progress(let text):
            state.message = text
            return []
        case .failed(let message):
            state.busy = nil
            state.message = message
            return []
        case .reviewQueueListed, .reviewFiguresLoaded, .decided:
            return []  // reduceReview's
        }
    }

    /// Mouse: left = move there and click (or paint), right = negative click (or erase), moving with a button
    /// held = scribble or paint along the way, wheel = slices.
    static func mouse(_ button: MouseButton, x: Int, y: Int, pressed: Bool, on state: inout AppState) -> [Effect] {
        guard state.open != nil else { return [] }
        switch button {
        case .wheelUp: return run(.nextSlice, count: 1, on: &state)
        case .wheelDown: return run(.previousSlice, count: 1, on: &state)
        case .left, .right, .none:
            guard pressed, let (plane, voxel) = Screen.voxel(atCellX: x, y: y, state: state) else { return [] }
            state.plane = plane
            state.cursor = voxel
            state.focus = .view
            if state.tool != .navigate { return stroke(&state) }
            if button == .none { return [] }
            return run(button == .left ? .clickPositive : .clickNegative, count: 1, on: &state)
        default:
            return []
        }
    }

    /// When zoomed in, the view follows a cursor that leaves it.
    static func keepCursorInView(_ state: inout AppState) {
        guard state.viewport.zoom > 1, let geometry = state.geometry, let mapping = Screen.mapping(state, plane: state.plane) else { return }
        let p = geometry.position(of: state.cursor)
        let s = mapping.screenPixel(column: p.column, row: p.row)
        if s.x < 0 || s.y < 0 || s.x >= mapping.width || s.y >= mapping.height {
            state.viewport.center = (Double(p.column) + 0.5, Double(p.row) + 0.5)
        }
    }

    /// A key while a prompt is open: characters are typed, Backspace deletes, Enter accepts, Esc gives up.
    static func edit(_ state: inout AppState, with key: Key) -> [Effect] {
        guard var prompt = state.prompt else { return [] }
        switch key {
        case .character(let c): prompt.text.append(c)
        case .backspace, .delete: if !prompt.text.isEmpty { prompt.text.removeLast() }
        case .escape, .control("c"):
            state.prompt = nil
            state.message = "unchanged"
            return []
        case .enter:
            state.prompt = nil
            return accept(prompt, on: &state)
        default: break
        }
        state.prompt = prompt
        return []
    }

    static func run(_ command: Command, count: Int, on state: inout AppState) -> [Effect] {
        if let effects = review(command, count: count, on: &state) { return effects }
        switch command {
        case .quit:
            state.running = false
            return [.quit]
        case .help:
            // Esc only closes the overlay; ? opens and closes it.
            state.showHelp = state.showHelp ? false : true
            return []
        case .redraw:
            return [.invalidateScreen]
        case .suspend:
            return [.suspend, .invalidateScreen]
        case .nextStudy, .previousStudy:
            guard !state.studies.isEmpty else { return [] }
            let step = command == .nextStudy ? count : -count
            state.selected = min(max(state.selected + step, 0), state.studies.count - 1)
            state.focus = .list
            return []
        case .openStudy:
            guard state.studies.indices.contains(state.selected) else { return [] }
            if let problem = state.studies[state.selected].problem {
                state.message = "\(state.studies[state.selected].id) cannot be opened: \(problem)"
                return []
            }
            state.message = "opening \(state.studies[state.selected].id)…"
            return [.load(studyId: state.studies[state.selected].id)]
        case .focusList:
            state.focus = .list
            return []
        case .cycleStrategy:
            let all = Strategy.allCases
            return startRanking(all[(all.firstIndex(of: state.strategy)! + count) % all.count], &state)
        case .openSuggested:
            guard let next = state.studies.filter({ $0.rank != nil && $0.claimedBy == nil }).min(by: { $0.rank! < $1.rank! }) else {
                if state.studies.contains(where: { $0.rank != nil }) {
                    state.message = "every unlabeled study is held by someone"
                    return []
                }
                return startRanking(state.strategy, &state)
            }
            state.selected = state.studies.firstIndex { $0.id == next.id }!
            state.message = "opening \(next.id), first by \(state.strategy.rawValue)…"
            return [.load(studyId: next.id)]
        default:
            break
        }
        if let effects = annotate(command, count: count, on: &state) { return effects }
        // In the list, up and down pick a study.
        if state.focus == .list && (command == .cursorUp || command == .cursorDown) {
            return run(command == .cursorUp ? .previousStudy : .nextStudy, count: count, on: &state)
        }
        guard let geometry = state.geometry else { return [] }
        switch command {
        case .cursorLeft, .cursorRight, .cursorUp, .cursorDown, .cursorLeftFast, .cursorRightFast, .cursorUpFast, .cursorDownFast:
            let fast = [.cursorLeftFast, .cursorRightFast, .cursorUpFast, .cursorDownFast].contains(command) ? 10 : 1
            let (dx, dy): (Int, Int) = switch command {
            case .cursorLeft, .cursorLeftFast: (-1, 0)
            case .cursorRight, .cursorRightFast: (1, 0)
            case .cursorUp, .cursorUpFast: (0, -1)
            default: (0, 1)
            }
            let p = geometry.position(of: state.cursor)
            let column = min(max(p.column + dx * fast * count, 0), geometry.width - 1)
            let row = min(max(p.row + dy * fast * count, 0), geometry.height - 1)
            state.cursor = geometry.voxel(column: column, row: row, slice: p.slice)
            state.focus = .view
            keepCursorInView(&state)
            return stroke(&state)
        case .nextSlice, .previousSlice, .nextSliceFast, .previousSliceFast:
            let step = (command == .nextSlice || command == .nextSliceFast ? 1 : -1)
                * (command == .nextSliceFast || command == .previousSliceFast ? 10 : 1) * count
            // "Next" moves toward superior (axial), anterior (coronal) or left (sagittal): the world direction
            // is the same whatever the file's voxel order.
            let towardIncreasingWorld = (state.plane == .sagittal ? -1 : 1) * (geometry.sliceAxisPointsForward ? 1 : -1)
            var v = state.cursor
            v[geometry.fixedAxis] = min(max(v[geometry.fixedAxis] + step * towardIncreasingWorld, 0), geometry.depth - 1)
            state.cursor = v
            state.focus = .view
        case .axial: state.plane = .axial; state.viewport.center = nil
        case .coronal: state.plane = .coronal; state.viewport.center = nil
        case .sagittal: state.plane = .sagittal; state.viewport.center = nil
        case .cyclePlane:
            let all = SlicePlane.allCases
            state.plane = all[(all.firstIndex(of: state.plane)! + 1) % all.count]
            state.viewport.center = nil
        case .toggleLayout: state.layout = state.layout == .single ? .threeUp : .single
        case .zoomIn, .zoomOut:
            let factor = command == .zoomIn ? 1.25 : 0.8
            state.viewport.zoom = min(max(state.viewport.zoom * pow(factor, Double(count)), 0.25), 32)
            // Zoom around the cursor.
            let p = geometry.position(of: state.cursor)
            state.viewport.center = state.viewport.zoom > 1 ? (Double(p.column) + 0.5, Double(p.row) + 0.5) : nil
        case .resetView: state.viewport = Viewport()
        case .panLeft, .panRight, .panUp, .panDown:
            guard let mapping = Screen.mapping(state, plane: state.plane) else { break }
            // A quarter of the view per step.
            let (dx, dy): (Double, Double) = switch command {
            case .panLeft: (-1, 0)
            case .panRight: (1, 0)
            case .panUp: (0, -1)
            default: (0, 1)
            }
            let centre = state.viewport.center ?? (Double(geometry.width) / 2, Double(geometry.height) / 2)
            state.viewport.center = (centre.0 + dx * Double(count) * mapping.stepU * Double(mapping.width) / 4,
                                     centre.1 + dy * Double(count) * mapping.stepV * Double(mapping.height) / 4)
        case .windowSoftTissue: state.window = .softTissue
        case .windowLung: state.window = .lung
        case .windowBone: state.window = .bone
        case .windowBrain: state.window = .brain
        case .windowAuto: if let image = state.open?.image { state.window = .percentiles(of: image) }
        case .windowWider: state.window.width *= pow(1.2, Float(count))
        case .windowNarrower: state.window.width /= pow(1.2, Float(count))
        case .levelUp: state.window.level += state.window.width * 0.05 * Float(count)
        case .levelDown: state.window.level -= state.window.width * 0.05 * Float(count)
        case .toggleOverlay:
            let all = OverlayMode.allCases
            state.overlay = all[(all.firstIndex(of: state.overlay)! + 1) % all.count]
        case .opacityUp: state.opacity = min(1, state.opacity + 0.1 * Double(count))
        case .opacityDown: state.opacity = max(0.05, state.opacity - 0.1 * Double(count))
        default: break
        }
        return []
    }
}
