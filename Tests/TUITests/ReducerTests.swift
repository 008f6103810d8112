// Keys → state, without a terminal: navigation, planes, windows, counts, studies, and the help generated from the
// keymap.

import Cells
import Datastore
import Render
import TUI
import Volume
import VolumeTesting
import XCTest

final class ReducerTests: XCTestCase {
    func openState() -> AppState {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "unlabeled"), StudyEntry(id: "b", status: "labeled")])
        let phantom = AbdomenPhantom.make(seed: 3, shape: [32, 32, 12], spacing: [9, 0, 14], orientation: "LPS")
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "a", image: phantom.image, draft: Draft(labels: phantom.labels), isCT: true)))
        return state
    }

    func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
        keys.flatMap { Reducer.reduce(&state, .key($0)) }
    }

    func testOpeningCentresTheCursorAndPicksTheWindow() {
        let state = openState()
        XCTAssertEqual(state.cursor, VoxelIndex(16, 16, 6))
        XCTAssertEqual(state.window, .softTissue)
        XCTAssertEqual(state.focus, .view)
    }

    func testCursorMovesOnScreenWhateverTheVoxelOrder() {
        var state = openState()
        let geometry = state.geometry!
        let before = geometry.position(of: state.cursor)
        _ = press(&state, .character("l"), .character("l"), .down)
        let after = geometry.position(of: state.cursor)
        XCTAssertEqual(after.column, before.column + 2)
        XCTAssertEqual(after.row, before.row + 1)
        // A count repeats the movement; fast moves go by 10, clamped to the slice.
        _ = press(&state, .character("5"), .character("h"))
        XCTAssertEqual(geometry.position(of: state.cursor).column, before.column - 3)
        _ = press(&state, .character("L"), .character("L"), .character("L"))
        XCTAssertEqual(geometry.position(of: state.cursor).column, geometry.width - 1)
    }

    func testNextSliceGoesTowardSuperiorInEveryOrientation() {
        for orientation in ["RAS", "LPI"] {
            var state = AppState(folder: "", studies: [])
            let phantom = AbdomenPhantom.make(seed: 3, shape: [16, 16, 10], spacing: [18, 0, 17], orientation: orientation)
            _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "x", image: phantom.image, draft: Draft(labels: phantom.labels), isCT: true)))
            let z = state.open!.image.grid.world(state.cursor).z
            _ = press(&state, .pageUp)
            XCTAssertGreaterThan(state.open!.image.grid.world(state.cursor).z, z, orientation)
            _ = press(&state, .character("<"))
            XCTAssertEqual(state.sliceIndex, orientation == "RAS" ? 0 : 9, "clamped at the inferior end")
        }
    }

    func testPlanesWindowsZoomAndOverlay() {
        var state = openState()
        _ = press(&state, .character("c"))
        XCTAssertEqual(state.plane, .coronal)
        _ = press(&state, .tab)
        XCTAssertEqual(state.plane, .sagittal)
        _ = press(&state, .function(2))
        XCTAssertEqual(state.window, .lung)
        _ = press(&state, .character("W"))
        XCTAssertEqual(state.window.width, 1800, accuracy: 0.01)
        _ = press(&state, .character("+"), .character("+"))
        XCTAssertEqual(state.viewport.zoom, 1.5625, accuracy: 1e-9)
        XCTAssertNotNil(state.viewport.center)
        _ = press(&state, .character("0"))
        XCTAssertEqual(state.viewport, Viewport())
        _ = press(&state, .character("o"))
        XCTAssertEqual(state.overlay, .outline)
        _ = press(&state, .character("3"))
        XCTAssertEqual(state.layout, .threeUp)
    }

    func testStudiesHelpAndQuit() {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "x"), StudyEntry(id: "b", status: "y")])
        XCTAssertEqual(press(&state, .character("j")), [])
        XCTAssertEqual(state.selected, 1)
        XCTAssertEqual(press(&state, .enter), [.load(studyId: "b")])
        _ = press(&state, .character("?"))
        XCTAssertTrue(state.showHelp)
        _ = press(&state, .escape)
        XCTAssertFalse(state.showHelp)
        XCTAssertEqual(press(&state, .control("l")), [.invalidateScreen])
        XCTAssertEqual(press(&state, .character("q")), [.quit])
        XCTAssertFalse(state.running)
    }

    func testEveryCommandHasAKeyAndAHelpLine() {
        let keymap = Keymap.defaults   // a key bound twice would trap here (duplicate keys in the literal)
        for command in Command.allCases {
            XCTAssertFalse(keymap.keys(for: command).isEmpty, "\(command) has no key")
        }
        XCTAssertEqual(keymap.helpLines.count, Command.allCases.count)
        XCTAssertTrue(keymap.helpLines.contains { $0.hasPrefix("PgDn") || $0.contains("PgDn") })
    }

    func testTheScreenShowsTheSliceStatusAndLetters() {
        var state = openState()
        state.message = "hello"
        let screen = Screen.render(state, width: 100, height: 30)
        XCTAssertTrue(screen.lines[28].contains("a │ axial 7/12 │ voxel 16,16,6"), screen.lines[28])
        XCTAssertEqual(screen.lines[29].trimmingCharacters(in: .whitespaces), "hello")
        XCTAssertTrue(screen.lines.joined().contains("▀"))
        // Radiological letters around the axial view: A on top, R on the left.
        let view = Rect(x: 28, y: 0, width: 72, height: 28)
        XCTAssertEqual(screen[view.x + view.width / 2, 0].symbol, "A")
        XCTAssertEqual(screen[view.x, view.height / 2].symbol, "R")
        XCTAssertEqual(screen[view.maxX - 1, view.height / 2].symbol, "L")
        // 256 colours: no RGB left, and no theme colours (0–15) in the image.
        state.colorDepth = .palette256
        let downgraded = Screen.render(state, width: 100, height: 30)
        for cell in downgraded.cells {
            if case .rgb = cell.style.foreground { XCTFail("RGB left in 256-colour mode") }
            if case .indexed(let n) = cell.style.background { XCTAssertGreaterThanOrEqual(n, 16) }
        }
    }
}

final class ViewTests: XCTestCase {
    func openState() -> AppState {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "unlabeled")])
        let phantom = AbdomenPhantom.make(seed: 3, shape: [64, 64, 12], spacing: [9, 0, 14])
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "a", image: phantom.image, draft: Draft(labels: phantom.labels), isCT: true)))
        state.screen = (100, 30)
        return state
    }

    func testPanMovesTheViewAndTheZoomedViewFollowsTheCursor() {
        var state = openState()
        _ = Reducer.reduce(&state, .key(.character("+")))
        _ = Reducer.reduce(&state, .key(.character("+")))
        _ = Reducer.reduce(&state, .key(.character("+")))
        let centre = state.viewport.center!
        let before = Screen.render(state, width: 100, height: 30)
        _ = Reducer.reduce(&state, .key(.shiftRight))
        XCTAssertGreaterThan(state.viewport.center!.0, centre.0)
        XCTAssertEqual(state.viewport.center!.1, centre.1)
        XCTAssertNotEqual(Screen.render(state, width: 100, height: 30).lines, before.lines, "panning changes the picture")
        _ = Reducer.reduce(&state, .key(.shiftLeft))
        XCTAssertEqual(state.viewport.center!.0, centre.0, accuracy: 1e-9)
        // Moving the cursor past the edge of the zoomed view brings the view along.
        let mapping = Screen.mapping(state, plane: state.plane)!
        let geometry = state.geometry!
        for _ in 0..<40 { _ = Reducer.reduce(&state, .key(.character("l"))) }
        let p = geometry.position(of: state.cursor)
        let s = Screen.mapping(state, plane: state.plane)!.screenPixel(column: p.column, row: p.row)
        XCTAssertTrue((0..<mapping.width).contains(s.x), "the cursor stays on screen (\(s.x))")
        XCTAssertNotEqual(state.viewport.center!.0, centre.0)
    }

    func testTheListShowsStatusLabelVersionsAndWhoHoldsAStudy() {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "ct_001", status: "labeled", labels: "final v3"),
                                                        StudyEntry(id: "ct_002", status: "in progress", claimedBy: "maria")])
        let wide = Screen.render(state, width: 200, height: 20).lines
        XCTAssertTrue(wide[1].hasPrefix(" ct_001        labeled     final v3"), wide[1])
        XCTAssertTrue(wide[2].contains("⚑in progress") && wide[2].contains("⚑maria"), wide[2])
        state.selected = 1
        let narrow = Screen.render(state, width: 100, height: 20).lines
        XCTAssertTrue(narrow[1].hasPrefix(" ct_001        labeled"), narrow[1])
        XCTAssertFalse(narrow[1].contains("final v3"), "no room on a narrow screen")
    }

    func testSuspendAsksForTheShellAndARepaint() {
        var state = openState()
        XCTAssertEqual(Reducer.reduce(&state, .key(.control("z"))), [.suspend, .invalidateScreen])
    }

    func testRenamingALabelThroughThePrompt() {
        var state = openState()
        _ = Reducer.reduce(&state, .key(.character("}")))
        XCTAssertEqual(state.activeLabel, 2)
        _ = Reducer.reduce(&state, .key(.character("N")))
        XCTAssertNotNil(state.prompt)
        // Keys type into the prompt instead of running commands ("q" does not quit).
        var effects: [Effect] = []
        for c in "aortaq" { effects += Reducer.reduce(&state, .key(.character(c))) }
        effects += Reducer.reduce(&state, .key(.backspace))
        XCTAssertTrue(state.running)
        XCTAssertTrue(Screen.render(state, width: 100, height: 30).lines[29].hasPrefix("name of label 2 (Enter keeps, Esc leaves): aorta"))
        effects += Reducer.reduce(&state, .key(.enter))
        XCTAssertNil(state.prompt)
        XCTAssertEqual(state.open!.name(of: 2), "aorta")
        XCTAssertEqual(effects, [.saveLabelNames(state.open!.labelNames, studyId: "a", baseVersion: nil)])
        XCTAssertTrue(Screen.render(state, width: 100, height: 30).lines[28].contains("2 aorta"))
        // Esc leaves the name as it was; a name another label has is refused.
        _ = Reducer.reduce(&state, .key(.character("N")))
        _ = Reducer.reduce(&state, .key(.character("x")))
        XCTAssertEqual(Reducer.reduce(&state, .key(.escape)), [])
        XCTAssertEqual(state.open!.name(of: 2), "aorta")
        _ = Reducer.reduce(&state, .key(.character("{")))
        _ = Reducer.reduce(&state, .key(.character("N")))
        state.prompt!.text = "aorta"
        XCTAssertEqual(Reducer.reduce(&state, .key(.enter)), [])
        XCTAssertEqual(state.open!.name(of: 1), "label 1")
        // Submitting carries the names.
        let submitted = Reducer.reduce(&state, .key(.character("S")))
        guard case .submit(_, _, _, let names) = submitted.first else { return XCTFail("no submit") }
        XCTAssertEqual(names.first { $0.value == 2 }?.name, "aorta")
    }

    func testRecolouringALabelChangesTheOverlay() {
        var state = openState()
        let label = state.open!.labels[state.cursor]
        XCTAssertNotEqual(label, 0, "the cursor starts inside a labelled organ")
        state.activeLabel = label
        let before = state.palette.color(label)
        let effects = Reducer.reduce(&state, .key(.character("T")))
        let after = state.palette.color(label)
        XCTAssertNotEqual(after, before)
        XCTAssertTrue(state.theme.palette.colors.contains(after))
        XCTAssertEqual(state.open!.labelNames.first { $0.value == label }?.color, after.description)
        XCTAssertEqual(effects.count, 1)
        state.opacity = 1
        let screen = Screen.render(state, width: 100, height: 30)
        XCTAssertTrue(screen.cells.contains { $0.style.foreground == .rgb(after) || $0.style.background == .rgb(after) })
    }
}
