// The ranking in the study list: F6 switches strategy and asks for a ranking; the ranked studies come first
// with their place and score; Ctrl-N opens the best one nobody holds.

import Cells
import TUI
import XCTest

final class RankingTests: XCTestCase {
    func testRankingOrdersTheListAndCtrlNOpensTheBestFreeStudy() {
        var state = AppState(folder: "/data", studies: [
            StudyEntry(id: "ct_001", status: "labeled", labels: "final v1"), StudyEntry(id: "ct_004", status: "unlabeled"),
            StudyEntry(id: "ct_005", status: "in progress", claimedBy: "ann@host"), StudyEntry(id: "ct_006", status: "unlabeled"),
        ])
        XCTAssertEqual(Reducer.reduce(&state, .key(.function(6))), [.rank(.random)])
        XCTAssertEqual(Reducer.reduce(&state, .key(.function(6))), [], "the random ranking still runs")
        _ = Reducer.reduce(&state, .ranked(.random, [("ct_004", nil), ("ct_006", nil)]))
        XCTAssertEqual(Reducer.reduce(&state, .key(.function(6))), [.rank(.epistemic)])
        XCTAssertEqual(state.busy, "ranking…")
        _ = Reducer.reduce(&state, .ranked(.epistemic, [("ct_005", 0.9), ("ct_006", 0.5), ("ct_004", 0.1)]))
        XCTAssertNil(state.busy)
        XCTAssertEqual(state.studies.map(\.id), ["ct_005", "ct_006", "ct_004", "ct_001"])
        let screen = Screen.render(state, width: 160, height: 30).lines
        XCTAssertTrue(screen[0].contains("Studies (4) by epistemic"), screen[0])
        XCTAssertTrue(screen[2].contains("#2 0.500 ct_006"), screen[2])
        // ct_005 is held by another annotator: the next free one opens.
        XCTAssertEqual(Reducer.reduce(&state, .key(.control("n"))), [.load(studyId: "ct_006")])
        XCTAssertEqual(state.studies[state.selected].id, "ct_006")
    }

    func testCtrlNWithoutARankingAsksForOne() {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "unlabeled")])
        XCTAssertEqual(Reducer.reduce(&state, .key(.control("n"))), [.rank(.first)])
        XCTAssertEqual(state.busy, "ranking…")
        _ = Reducer.reduce(&state, .ranked(.first, [("a", nil)]))
        XCTAssertNil(state.busy)
        XCTAssertEqual(state.message, "by first, label a next (Ctrl-N opens it)")
    }

    /// The re-ranking that follows a submit is nobody's request: the line keeps saying the label was submitted.
    func testTheQuietRankingAfterASubmitKeepsTheSubmitMessage() {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "labeled"), StudyEntry(id: "b", status: "unlabeled")])
        _ = Reducer.reduce(&state, .submitted(version: 1))
        _ = Reducer.reduce(&state, .ranked(.first, [("b", nil)]))
        XCTAssertEqual(state.message, "submitted as final version 1")
        XCTAssertEqual(state.studies.first?.rank, 1)
    }
}
