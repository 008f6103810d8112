// The models through the reducer: with a click model chosen, each click asks it for an update; its answer is
// one undoable edit confined to the labels and region it speaks for; training is started and shown.

import Cells
import Datastore
import Render
import TUI
import Volume
import VolumeTesting
import XCTest

final class ModelToolTests: XCTestCase {
    func requests(_ effects: [Effect]) -> [ModelRequest] {
        effects.compactMap { if case .infer(let r) = $0 { r } else { nil } }
    }

    func testWithAClickModelEveryClickAsksForAnUpdate() {
        var state = OpenedStudy.state()
        XCTAssertTrue(requests(OpenedStudy.press(&state, .character(" "))).isEmpty, "the graph cut waits for r")
        _ = OpenedStudy.press(&state, .character("u"))
        _ = OpenedStudy.press(&state, .character("m"), .character("m"))
        XCTAssertEqual(state.assistant, .deepgrow3d)
        XCTAssertTrue(Screen.render(state, width: 300, height: 30).lines[28].contains("DeepGrow 3D"))
        XCTAssertTrue(requests(OpenedStudy.press(&state, .character("x"))).isEmpty, "DeepGrow needs a positive click first")
        XCTAssertTrue(state.message.contains("DeepGrow 3D answers once") && state.message.contains("has a positive click (Space)"), state.message)
        let asked = requests(OpenedStudy.press(&state, .character(" ")))
        XCTAssertEqual(asked.map(\.task), [.clicks(.deepgrow3d)])
        XCTAssertEqual(asked.first?.label, 1)
        XCTAssertEqual(state.busy, "DeepGrow 3D…")
        // While it runs, more clicks are kept but do not pile up calls; r asks again after the answer.
        XCTAssertTrue(requests(OpenedStudy.press(&state, .character("l"), .character(" "))).isEmpty)
    }

    func testTwoClicksOneVoxelApartReachTheModelAsTwoClicks() {
        var state = OpenedStudy.state()
        _ = OpenedStudy.press(&state, .character("m"), .character("m"), .character("m"))
        XCTAssertEqual(state.assistant, .deepedit)
        let cursor = state.cursor
        let first = requests(OpenedStudy.press(&state, .character(" ")))
        XCTAssertEqual(first.first?.clicks, [Click(cursor, label: 1, positive: true)])
        _ = Reducer.reduce(&state, .failed("no DeepEdit model yet"))
        _ = OpenedStudy.press(&state, .character("l"))
        let second = requests(OpenedStudy.press(&state, .character(" ")))
        XCTAssertEqual(second.first?.clicks.count, 2, "the balls overlap; the clicks stay two")
        XCTAssertEqual(second.first?.clicks.last?.voxel, state.cursor)
        XCTAssertNotEqual(state.cursor, cursor)
    }

    func testAnAnswerIsOneUndoableEditWithinItsLabelsAndRegion() {
        var state = OpenedStudy.state()
        let grid = state.open!.image.grid
        // The annotator's own work: label 2 painted everywhere on slice k = 1, label 1 on slice k = 5.
        var own = LabelVolume(grid: grid)
        for j in 0..<32 { for i in 0..<32 { own.voxels[grid.offset(i, j, 1)] = 2; own.voxels[grid.offset(i, j, 5)] = 1 } }
        _ = Reducer.reduce(&state, .segmented(own, seconds: 0))
        // No seeds, so the segmenter's result replaced nothing; paint it in as a model edit of both labels.
        _ = Reducer.reduce(&state, .inferred(own, labels: [1, 2], region: nil, seconds: 0, note: "test"))
        XCTAssertEqual(state.open!.draft.labels.count(of: 2), 32 * 32)
        // A DeepGrow answer for label 1 within slices 4…6: a square on slice 5; label 2 elsewhere is not touched.
        var answer = LabelVolume(grid: grid)
        for j in 10..<20 { for i in 10..<20 { answer.voxels[grid.offset(i, j, 5)] = 1; answer.voxels[grid.offset(i, j, 1)] = 1 } }
        let region = VoxelBox(lower: VoxelIndex(0, 0, 4), upper: VoxelIndex(32, 32, 7))
        let effects = Reducer.reduce(&state, .inferred(answer, labels: [1], region: region, seconds: 0.25, note: "DeepGrow 3D (m)"))
        XCTAssertEqual(effects.count, 1, "one journaled edit")
        XCTAssertEqual(state.open!.draft.labels.count(of: 1), 100, "label 1 on slice 5 is now the square")
        XCTAssertEqual(state.open!.draft.labels.count(of: 2), 32 * 32, "outside the region nothing changed")
        XCTAssertTrue(state.message.hasPrefix("DeepGrow 3D (m) in 0.25 s"))
        _ = OpenedStudy.press(&state, .character("u"))
        XCTAssertEqual(state.open!.draft.labels.count(of: 1), 32 * 32, "undo gives the annotator's label back")
    }

    func testAutomaticRefineAndTrainingKeys() {
        var state = OpenedStudy.state()
        XCTAssertEqual(requests(OpenedStudy.press(&state, .character("A"))).map(\.task), [.automatic])
        _ = Reducer.reduce(&state, .failed("no automatic or DeepEdit model yet"))
        XCTAssertNil(state.busy)
        XCTAssertTrue(requests(OpenedStudy.press(&state, .character("R"))).isEmpty, "refining needs a seed of the active label")
        _ = OpenedStudy.press(&state, .character(" "))
        XCTAssertEqual(requests(OpenedStudy.press(&state, .character("R"))).map(\.task), [.refine])
        _ = Reducer.reduce(&state, .failed("x"))
        XCTAssertEqual(OpenedStudy.press(&state, .character("t")), [.toggleTraining(.classical)])
        _ = Reducer.reduce(&state, .training("deepedit epoch 1/5 step 3/20 loss 1.20", message: "training deepedit in the background"))
        let screen = Screen.render(state, width: 120, height: 30)
        let bottom = screen.lines[29]
        XCTAssertTrue(bottom.contains("training deepedit in the background"), bottom)
        XCTAssertTrue(bottom.contains("⚙ deepedit epoch 1/5 step 3/20"), bottom)
        _ = Reducer.reduce(&state, .training(nil, message: "training deepedit ended"))
        XCTAssertNil(state.training)
    }
}
