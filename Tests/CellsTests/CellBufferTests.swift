// The cell buffer: writing, clipping, layout arithmetic and the diff the backend sends.

import Cells
import XCTest

final class CellBufferTests: XCTestCase {
    func testWritingClipsToTheBufferAndLimit() {
        var buffer = CellBuffer(width: 8, height: 2)
        XCTAssertEqual(buffer.write("termlabel", x: 1, y: 0), 7)
        buffer.write("abc", x: -1, y: 1, limit: 3)
        XCTAssertEqual(buffer.lines, [" termlab", "bc      "])
        buffer.write("zzz", x: 0, y: 5)   // off the buffer: nothing happens
        XCTAssertEqual(buffer.lines.count, 2)
    }

    func testChangesAreOnlyTheCellsThatDiffer() {
        var a = CellBuffer(width: 4, height: 3)
        XCTAssertEqual(a.changes(since: nil).count, 12, "the first frame is sent whole")
        var b = a
        XCTAssertTrue(b.changes(since: a).isEmpty, "an unchanged frame sends nothing")
        b[2, 1] = Cell("x", style: Style(foreground: .rgb(RGB(1, 2, 3))))
        b[3, 2] = Cell(" ", style: Style(background: .indexed(240)))
        let changes = b.changes(since: a)
        XCTAssertEqual(changes.map { [$0.x, $0.y] }, [[2, 1], [3, 2]])
        a = CellBuffer(width: 5, height: 3)
        XCTAssertEqual(b.changes(since: a).count, 12, "after a resize, everything")
    }

    func testLayoutArithmetic() {
        let screen = Rect(x: 0, y: 0, width: 100, height: 40)
        let (body, status) = screen.splitBottom(2)
        XCTAssertEqual(status, Rect(x: 0, y: 38, width: 100, height: 2))
        let (list, view) = body.splitLeft(24)
        XCTAssertEqual(list.width + view.width, 100)
        XCTAssertEqual(view.columns(3).map(\.width), [25, 25, 26])
        XCTAssertEqual(view.columns(3).last?.maxX, 100)
        XCTAssertTrue(view.contains(x: 24, y: 0) && !view.contains(x: 23, y: 0))
        XCTAssertEqual(RGB(hex: "#e69f00"), RGB(230, 159, 0))
        XCTAssertEqual(RGB(230, 159, 0).description, "#e69f00")
    }

    func testMemoryBackendCountsWhatItWouldSend() {
        let backend = MemoryBackend(width: 3, height: 2)
        var frame = CellBuffer(width: 3, height: 2)
        frame[0, 0] = Cell("a")
        backend.present(frame)
        XCTAssertEqual(backend.lastChangeCount, 1)
        backend.present(frame)
        XCTAssertEqual(backend.lastChangeCount, 0)
        backend.invalidate()
        backend.present(frame)
        XCTAssertEqual(backend.lastChangeCount, 6)
    }
}
