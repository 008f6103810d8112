// Encoded frames decode back to the cells that were sent (a small SGR decoder kept here), and the encoder sends
// little: nothing for an unchanged frame, no cursor moves inside a run, colours only when they change.

import Cells
import CellsTesting
@testable import Terminal
import XCTest

final class FrameEncoderTests: XCTestCase {
    func frame(_ seed: Int) -> CellBuffer {
        var buffer = CellBuffer(width: 20, height: 6)
        for y in 0..<6 { for x in 0..<20 {
            let v = UInt8((x * 13 + y * 7 + seed * 5) % 256)
            buffer[x, y] = (x + y) % 3 == 0
                ? Cell(" ", style: Style(background: .rgb(RGB(gray: v))))
                : Cell("▀", style: Style(foreground: .rgb(RGB(v, 255 - v, 0)), background: .indexed(v)))
        } }
        buffer.write("slice 12/56", x: 1, y: 5, style: Style(foreground: .default, attributes: [.bold, .reverse]))
        return buffer
    }

    func testEncodedFramesDecodeToTheSameCells() {
        let encoder = FrameEncoder()
        var decoder = ScreenDecoder(width: 20, height: 6)
        let first = frame(0)
        decoder.feed(encoder.encode(first.changes(since: nil)))
        XCTAssertEqual(decoder.screen, first)
        let second = frame(1)
        decoder.feed(encoder.encode(second.changes(since: first)))
        XCTAssertEqual(decoder.screen, second)
    }

    func testOnlyWhatChangedIsSent() {
        let encoder = FrameEncoder()
        let a = frame(0)
        XCTAssertTrue(encoder.encode(a.changes(since: a)).isEmpty)
        var b = a
        b[5, 2] = Cell("x", style: Style(foreground: .rgb(RGB(1, 2, 3))))
        b[6, 2] = Cell("y", style: Style(foreground: .rgb(RGB(1, 2, 3))))
        let bytes = String(decoding: encoder.encode(b.changes(since: a)), as: UTF8.self)
        XCTAssertEqual(bytes, "\u{1b}[3;6H\u{1b}[0;38;2;1;2;3mxy\u{1b}[0m", "one move, one colour for a contiguous run")
    }
}
