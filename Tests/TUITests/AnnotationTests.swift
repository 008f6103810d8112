// The annotation tools through the reducer: every change is an undoable edit handed to the journal.

import Cells
import Datastore
import Render
import TUI
import Volume
import VolumeTesting
import XCTest

final class AnnotationTests: XCTestCase {
    func journaled(_ effects: [Effect]) -> [DraftEdit] {
        effects.compactMap { if case .journal(let edit, _, _) = $0 { edit } else { nil } }
    }

    func testClicksAreSeedsAndUndoable() {
        var state = OpenedStudy.state()
        let effects = OpenedStudy.press(&state, .character(" "))
        XCTAssertEqual(journaled(effects).map(\.kind), [.click])
        let centre = state.open!.image.grid.offset(state.cursor)
        XCTAssertEqual(state.open!.draft.seeds.voxels[centre], 1)
        XCTAssertTrue(state.unsaved)
        _ = OpenedStudy.press(&state, .character("l"), .character("l"), .character("l"), .character("l"), .character("x"))
        XCTAssertEqual(state.open!.draft.seeds.voxels[state.open!.image.grid.offset(state.cursor)], Draft.backgroundSeed)
        XCTAssertEqual(journaled(OpenedStudy.press(&state, .character("u"), .character("u"))).map(\.kind), [.undo, .undo])
        XCTAssertTrue(state.open!.draft.seeds.voxels.allSatisfy { $0 == 0 })
        _ = OpenedStudy.press(&state, .control("r"))
        XCTAssertEqual(state.open!.draft.seeds.voxels[centre], 1)
    }

    func testANegativeClickBesideAPositiveOneSharesTheOverlapOfTheirBalls() {
        // 1 mm voxels: a click's 3 mm ball reaches two voxels past the next click's.
        var state = OpenedStudy.state(spacing: [1, 0, 1])
        _ = OpenedStudy.press(&state, .character(" "))
        let grid = state.open!.image.grid, positive = state.cursor
        _ = OpenedStudy.press(&state, .character("l"), .character("l"), .character("x"))
        let negative = state.cursor
        XCTAssertEqual(grid.squaredDistanceMM(positive, negative), 4)
        let seeds = state.open!.draft.seeds.voxels
        // Each click keeps its own voxel and those nearer to it; the one half-way goes to the later click.
        for (v, expected) in [(positive, UInt16(1)), (negative, Draft.backgroundSeed)] {
            XCTAssertEqual(seeds[grid.offset(v)], expected, "at \(v)")
        }
        let between = (0..<3).map { (positive[$0] + negative[$0]) / 2 }
        XCTAssertEqual(seeds[grid.offset(between[0], between[1], between[2])], Draft.backgroundSeed)
        // Behind the positive click, 1 mm from it and 3 mm from the negative one: in both balls, nearer to the first.
        let behind = (0..<3).map { positive[$0] - (negative[$0] - positive[$0]) / 2 }
        XCTAssertEqual(seeds[grid.offset(behind[0], behind[1], behind[2])], 1)
    }

    func testABoxAndALassoSetSeedsOnTheirSliceAndSegment() {
        for (key, moves) in [(Key.character("v"), "llllljjjj"), (Key.character("V"), "lllllljjjjjjhhhhhhkkkkkk")] {
            var state = OpenedStudy.state()
            let grid = state.open!.image.grid
            let start = state.cursor
            XCTAssertTrue(OpenedStudy.press(&state, key).isEmpty)
            XCTAssertEqual(state.tool, key == .character("v") ? .box : .lasso)
            var visited = [start]
            for move in moves {
                XCTAssertTrue(OpenedStudy.press(&state, .character(move)).isEmpty, "no seed before the prompt closes")
                visited.append(state.cursor)
            }
            let effects = OpenedStudy.press(&state, key)
            XCTAssertEqual(journaled(effects).map(\.kind), [.prompt])
            guard case .segment(let request)? = effects.last else { return XCTFail("\(effects)") }
            XCTAssertEqual(request.label, 1)
            XCTAssertEqual(state.tool, .navigate)
            let seeds = state.open!.draft.seeds.voxels
            let marked = seeds.indices.filter { seeds[$0] != 0 }.map { grid.voxel(atOffset: $0) }
            XCTAssertEqual(Set(marked.map(\.k)), [start.k], "every seed on the slice it was drawn on")
            let inside = marked.filter { seeds[grid.offset($0)] == 1 }, outside = marked.filter { seeds[grid.offset($0)] == Draft.backgroundSeed }
            XCTAssertFalse(inside.isEmpty)
            XCTAssertFalse(outside.isEmpty)
            // Structure seeds lie within the drawn rectangle, background seeds around it.
            let (low, high) = ((visited.map(\.i).min()!, visited.map(\.j).min()!), (visited.map(\.i).max()!, visited.map(\.j).max()!))
            XCTAssertTrue(inside.allSatisfy { $0.i >= low.0 && $0.i <= high.0 && $0.j >= low.1 && $0.j <= high.1 }, "\(inside)")
            XCTAssertTrue(outside.contains { $0.i < low.0 || $0.j < low.1 || $0.i > high.0 || $0.j > high.1 })
            _ = OpenedStudy.press(&state, .character("u"))
            XCTAssertTrue(state.open!.draft.seeds.voxels.allSatisfy { $0 == 0 }, "one undo takes the whole prompt back")
        }
        // A box whose corners are on two slices says so and sets nothing.
        var state = OpenedStudy.state()
        XCTAssertTrue(OpenedStudy.press(&state, .character("v"), .character("l"), .character("l"), .pageUp, .character("j"), .character("v")).isEmpty)
        XCTAssertEqual(state.message, "box: a box's corners must lie on one slice (share one index)")
        XCTAssertTrue(state.open!.draft.seeds.voxels.allSatisfy { $0 == 0 })
    }

    func testInterpolationFillsBetweenTwoPaintedSlicesAsOneEdit() {
        var state = OpenedStudy.state()
        XCTAssertTrue(OpenedStudy.press(&state, .character("I")).isEmpty)
        XCTAssertTrue(state.message.hasPrefix("nothing to fill"), state.message)
        // A disk of label 1 on this slice and three slices on, nothing between.
        _ = OpenedStudy.press(&state, .character("("), .character("("))   // the brush is 3 mm: too small on 9 mm voxels
        for _ in 0..<8 { _ = OpenedStudy.press(&state, .character(")")) }
        _ = OpenedStudy.press(&state, .character("d"), .character("d"), .pageUp, .pageUp, .pageUp, .character("d"), .character("d"))
        let labels = state.open!.draft.labels
        let grid = labels.grid, axis = state.geometry!.fixedAxis
        let before = Set(labels.voxels.indices.filter { labels.voxels[$0] == 1 }.map { grid.voxel(atOffset: $0)[axis] })
        XCTAssertEqual(before.count, 2, "painted on two slices")
        let effects = OpenedStudy.press(&state, .character("I"))
        XCTAssertEqual(journaled(effects).map(\.kind), [.interpolate])
        let after = state.open!.draft.labels
        let slices = Set(after.voxels.indices.filter { after.voxels[$0] == 1 }.map { grid.voxel(atOffset: $0)[axis] })
        XCTAssertEqual(slices, Set(before.min()!...before.max()!), "every slice between is filled")
        _ = OpenedStudy.press(&state, .character("u"))
        XCTAssertEqual(state.open!.draft.labels.voxels, labels.voxels, "one undo takes the fill back")
    }

    func testPaintFollowsTheCursorAndEraseTakesItBack() {
        var state = OpenedStudy.state()
        _ = OpenedStudy.press(&state, .character("}"))   // label 2
        let effects = OpenedStudy.press(&state, .character("d"), .character("l"), .character("l"), .character("l"))
        XCTAssertEqual(journaled(effects).map(\.kind), [.brush, .brush, .brush, .brush])
        let painted = state.open!.draft.labels.count(of: 2)
        XCTAssertEqual(painted, 4, "3 mm brush on 9 mm voxels: one voxel per step")
        // The brush is a disk in the slice: one slice only.
        let plane = state.geometry!
        let slices = Set(state.open!.draft.labels.voxels.indices.filter { state.open!.draft.labels.voxels[$0] == 2 }.map { o -> Int in
            let g = state.open!.image.grid
            return plane.position(of: VoxelIndex(o % g.shape[0], (o / g.shape[0]) % g.shape[1], o / (g.shape[0] * g.shape[1]))).slice
        })
        XCTAssertEqual(slices.count, 1)
        _ = OpenedStudy.press(&state, .character("d"))   // paint off
        XCTAssertEqual(state.tool, .navigate)
        _ = OpenedStudy.press(&state, .character("e"), .character("h"), .character("h"), .character("h"))
        XCTAssertLessThan(state.open!.draft.labels.count(of: 2), painted)
        _ = OpenedStudy.press(&state, .escape)
        XCTAssertEqual(state.tool, .navigate)
    }

    func testSegmentingNeedsSeedsAndItsResultIsOneUndoableEdit() {
        var state = OpenedStudy.state()
        XCTAssertTrue(OpenedStudy.press(&state, .character("r")).isEmpty)
        XCTAssertTrue(state.message.contains("no seeds"))
        _ = OpenedStudy.press(&state, .character(" "))
        let effects = OpenedStudy.press(&state, .character("r"))
        guard case .segment(let request)? = effects.first else { return XCTFail("\(effects)") }
        XCTAssertEqual(request.label, 1)
        XCTAssertNotNil(state.busy)
        var result = LabelVolume(grid: state.open!.image.grid)
        for n in 0..<50 { result.voxels[n] = 1 }
        let accepted = Reducer.reduce(&state, .segmented(result, seconds: 0.5))
        XCTAssertEqual(journaled(accepted).map(\.kind), [.model])
        XCTAssertNil(state.busy)
        XCTAssertEqual(state.open!.draft.labels.count(of: 1), 50)
        _ = OpenedStudy.press(&state, .character("u"))
        XCTAssertEqual(state.open!.draft.labels.count(of: 1), 0)
    }

    func testSubmitAndItsAnswer() {
        var state = OpenedStudy.state()
        _ = OpenedStudy.press(&state, .character("d"))
        let effects = OpenedStudy.press(&state, .character("S"))
        guard case .submit(let id, let labels, let base, let names)? = effects.first else { return XCTFail("\(effects)") }
        XCTAssertEqual(id, "a")
        XCTAssertNil(base)
        XCTAssertGreaterThan(labels.count(of: 1), 0)
        XCTAssertEqual(names.first?.value, 1)
        _ = Reducer.reduce(&state, .submitted(version: 3))
        XCTAssertEqual(state.open?.baseVersion, 3)
        XCTAssertFalse(state.unsaved)
    }

    func testMouseClicksLandOnTheVoxelUnderThem() {
        var state = OpenedStudy.state()
        let views = Screen.views(state, width: 100, height: 30)
        let inner = views[0].0.inset(by: 1)
        // The centre cell of the view shows the slice's centre.
        let effects = Reducer.reduce(&state, .mouse(button: .left, x: inner.x + inner.width / 2, y: inner.y + inner.height / 2, pressed: true))
        XCTAssertEqual(journaled(effects).map(\.kind), [.click])
        let p = state.geometry!.position(of: state.cursor)
        XCTAssertEqual(Double(p.column), Double(state.geometry!.width) / 2, accuracy: 1.5)
        XCTAssertEqual(Double(p.row), Double(state.geometry!.height) / 2, accuracy: 1.5)
        // Off the slice: nothing.
        XCTAssertTrue(Reducer.reduce(&state, .mouse(button: .left, x: 0, y: 29, pressed: true)).isEmpty)
        // The wheel steps slices.
        let before = state.sliceIndex
        _ = Reducer.reduce(&state, .mouse(button: .wheelUp, x: 50, y: 10, pressed: true))
        XCTAssertNotEqual(state.sliceIndex, before)
    }
}

final class ReadOnlyTests: XCTestCase {
    func testAStudyHeldBySomeoneElseCannotBeEdited() {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "in progress")])
        let grid = Grid(shape: [8, 8, 4], affine: .identity)
        let image = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "a", image: image, draft: Draft(labels: LabelVolume(grid: grid)), isCT: false, readOnly: true)))
        XCTAssertTrue(Reducer.reduce(&state, .key(.character(" "))).isEmpty)
        XCTAssertTrue(state.message.contains("read-only"))
        XCTAssertTrue(Reducer.reduce(&state, .key(.character("S"))).isEmpty)
        XCTAssertTrue(state.open!.draft.seeds.voxels.allSatisfy { $0 == 0 })
    }
}

final class FeedbackTests: XCTestCase {
    func testUndoRedoAndClearSayWhatTheyDid() {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "unlabeled")])
        let phantom = AbdomenPhantom.make(seed: 3, shape: [32, 32, 12], spacing: [9, 0, 14])
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "a", image: phantom.image, draft: Draft(labels: phantom.labels), isCT: true)))
        _ = Reducer.reduce(&state, .key(.character("C")))
        XCTAssertTrue(state.message.hasPrefix("cleared liver") || state.message.hasPrefix("cleared label 1"), state.message)
        _ = Reducer.reduce(&state, .key(.character("u")))
        XCTAssertEqual(state.message, "undid the clear")
        _ = Reducer.reduce(&state, .key(.character("U")))
        XCTAssertEqual(state.message, "redid the clear")
    }
}
