// Encoded frames decode back to the cells that were sent (a small SGR decoder kept here), and the encoder sends
// little: nothing for an unchanged frame, no cursor moves inside a run, colours only when they change.

import Cells
@testable import Terminal
import XCTest

/// Replays escape sequences onto a screen of cells: enough of a terminal for these tests.
struct ScreenDecoder {
    var screen: CellBuffer
    var x = 0, y = 0
    var style = Style.plain

    init(width: Int, height: Int) { screen = CellBuffer(width: width, height: height) }

    mutating func feed(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c == "\u{1b}" {
                let start = text.index(index, offsetBy: 2)
                var end = start
                while !text[end].isLetter { end = text.index(after: end) }
                let parameters = text[start..<end].split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
                switch text[end] {
                case "H": y = parameters[0] - 1; x = parameters[1] - 1
                case "m": apply(parameters)
                default: break
                }
                index = text.index(after: end)
            } else {
                screen[x, y] = Cell(c, style: style)
                x += 1
                index = text.index(after: index)
            }
        }
    }

    mutating func apply(_ p: [Int]) {
        var n = 0
        while n < p.count {
            switch p[n] {
            case 0: style = .plain
            case 1: style.attributes.insert(.bold)
            case 2: style.attributes.insert(.dim)
            case 4: style.attributes.insert(.underline)
            case 7: style.attributes.insert(.reverse)
            case 39: style.foreground = .default
            case 49: style.background = .default
            case 38, 48:
                let color: Color = p[n + 1] == 2 ? .rgb(RGB(UInt8(p[n + 2]), UInt8(p[n + 3]), UInt8(p[n + 4]))) : .indexed(UInt8(p[n + 2]))
                if p[n] == 38 { style.foreground = color } else { style.background = color }
                n += p[n + 1] == 2 ? 4 : 2
            default: break
            }
            n += 1
        }
    }
}

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
