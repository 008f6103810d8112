// Pictures through each image protocol decode back to what was drawn: sixel within its palette's rounding, kitty
// and iTerm2 exactly; kitty resends only the overlay when only the overlay changed, and sixel resends a picture
// whose cells were written over. The terminal's replies are read into what it offers.

import Cells
import CellsTesting
@testable import Terminal
import XCTest

final class PictureProtocolTests: XCTestCase {
    /// A grey ramp with a bright disk, a label blob at 45 %, a crosshair at 60 % and one opaque seed.
    func picture(width: Int = 160, height: Int = 120, labelShift: Int = 0, rect: Rect = Rect(x: 3, y: 2, width: 16, height: 6)) -> Picture {
        var base = [RGB](repeating: RGB(gray: 0), count: width * height)
        var overlay = [RGBA](repeating: .clear, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = x - width / 2, dy = y - height / 2
                base[y * width + x] = RGB(gray: dx * dx + dy * dy < 900 ? 230 : UInt8(x * 255 / width))
                let lx = x - width / 3 - labelShift, ly = y - height / 3
                if lx * lx + ly * ly < 300 { overlay[y * width + x] = RGBA(230, 159, 0, 115) }
                if y == height / 2 || x == width / 2 { overlay[y * width + x] = RGBA(255, 200, 0, 153) }
            }
        }
        overlay[10 * width + 10] = RGBA(0, 158, 115, 255)
        return Picture(slot: 0, rect: rect, width: width, height: height, base: base, overlay: overlay)
    }

    func testSixelDecodesToTheCompositeWithinThePalettesRounding() throws {
        let shown = picture()
        let bytes = Sixel.encode(width: shown.width, height: shown.height, pixels: shown.composite)
        let decoded = try XCTUnwrap(PictureDecoder.sixel(bytes))
        XCTAssertEqual(decoded.width, 160)
        XCTAssertEqual(decoded.height, 120)
        var worst = 0
        for (n, expected) in shown.composite.enumerated() {
            let got = try XCTUnwrap(decoded.pixels[n], "pixel \(n) painted")
            worst = max(worst, abs(Int(got.r) - Int(expected.r)), abs(Int(got.g) - Int(expected.g)), abs(Int(got.b) - Int(expected.b)))
        }
        // 64 greys (steps of 4) and the colour cube (steps of 51) for the blended label pixels, percent in the palette.
        XCTAssertLessThanOrEqual(worst, 28)
        let seed = try XCTUnwrap(decoded.pixels[10 * 160 + 10])
        XCTAssertTrue(seed.g > seed.r && seed.g > 100, "the green seed keeps its hue: \(seed)")
        let grey = shown.composite[100 * 160 + 5]
        XCTAssertLessThanOrEqual(abs(Int(decoded.pixels[100 * 160 + 5]!.r) - Int(grey.r)), 4, "greys within one of 64 steps")
    }

    func testKittyCarriesTheExactPixelsAndOverlayOnlyUpdatesAreSmall() throws {
        var writer = PictureWriter(mode: .kitty)
        let first = picture(width: 960, height: 576)
        let sent = writer.draw([first], overwritten: [])
        let commands = PictureDecoder.kitty(sent)
        XCTAssertEqual(commands.count, 2)
        let base = try XCTUnwrap(commands.first { $0.keys["f"] == "24" })
        XCTAssertEqual(base.keys["s"], "960")
        XCTAssertEqual(base.keys["c"], "16")
        XCTAssertEqual(base.keys["r"], "6")
        XCTAssertEqual(base.payload, first.base.flatMap { [$0.r, $0.g, $0.b] })
        let overlay = try XCTUnwrap(commands.first { $0.keys["f"] == "32" })
        XCTAssertEqual(overlay.payload, first.overlay.flatMap { [$0.r, $0.g, $0.b, $0.a] })
        XCTAssertLessThan(Int(base.keys["z"]!)!, Int(overlay.keys["z"]!)!, "the overlay lies on the slice")

        // An edit: only the overlay travels, and it is small.
        let edited = picture(width: 960, height: 576, labelShift: 40)
        let update = writer.draw([edited], overwritten: [])
        let updated = PictureDecoder.kitty(update)
        XCTAssertEqual(updated.map { $0.keys["f"] }, ["32"])
        XCTAssertEqual(updated[0].payload, edited.overlay.flatMap { [$0.r, $0.g, $0.b, $0.a] })
        XCTAssertLessThanOrEqual(update.count, 10_000)
        XCTAssertTrue(writer.draw([edited], overwritten: []).isEmpty, "nothing for an unchanged picture")
        // The view gone: both images deleted.
        XCTAssertEqual(String(decoding: writer.draw([]), as: UTF8.self), "\u{1b}_Ga=d,d=I,i=100,q=2\u{1b}\\\u{1b}_Ga=d,d=I,i=101,q=2\u{1b}\\")
        XCTAssertTrue(PictureWriter.wiped(mode: .kitty, from: [0: edited.rect], to: []).isEmpty)
    }

    func testSixelIsResentOnlyWhenItOrTheCellsUnderItChange() {
        var writer = PictureWriter(mode: .sixel)
        let shown = picture()
        XCTAssertFalse(writer.draw([shown], overwritten: []).isEmpty)
        let outside = PictureWriter.overwritten([shown], by: [(x: 0, y: 0, cell: Cell("x"))])
        XCTAssertTrue(writer.draw([shown], overwritten: outside).isEmpty, "cells outside the picture")
        let inside = PictureWriter.overwritten([shown], by: [(x: 5, y: 4, cell: Cell(" "))])
        XCTAssertEqual(inside, [0])
        let again = writer.draw([shown], overwritten: inside)
        XCTAssertTrue(String(decoding: again.prefix(12), as: UTF8.self).hasPrefix("\u{1b}[3;4H\u{1b}P"), "redrawn at its corner")
        XCTAssertEqual(PictureWriter.wiped(mode: .sixel, from: [0: shown.rect], to: []), [shown.rect], "a picture gone leaves its cells to be rewritten")
        XCTAssertTrue(writer.draw([]).isEmpty)
        XCTAssertFalse(writer.draw([shown]).isEmpty, "and comes back whole")
    }

    func testITerm2CarriesTheCompositeAsAPNG() throws {
        let shown = picture()
        let decoded = try XCTUnwrap(PictureDecoder.iterm2(ITermImage.encode(shown)))
        XCTAssertEqual(decoded.width, 160)
        XCTAssertEqual(decoded.height, 120)
        XCTAssertEqual(decoded.pixels, shown.composite)
        XCTAssertTrue(decoded.arguments.contains("width=16;height=6"))
    }

    func testRepliesTellWhatTheTerminalOffers() {
        let xterm = TerminalReplies.parse(Array("\u{1b}P>|XTerm(379)\u{1b}\\\u{1b}[?63;1;2;4;6;9;15;16;22;28c".utf8))
        XCTAssertEqual(xterm.version, "XTerm(379)")
        XCTAssertTrue(xterm.sixel)
        XCTAssertFalse(xterm.kittyGraphics)
        let kitty = TerminalReplies.parse(Array("\u{1b}_Gi=31;OK\u{1b}\\\u{1b}P>|kitty(0.39.1)\u{1b}\\\u{1b}[6;20;10t\u{1b}[4;1200;1600t\u{1b}[?62;c".utf8))
        XCTAssertTrue(kitty.kittyGraphics)
        XCTAssertFalse(kitty.sixel)
        XCTAssertEqual(kitty.cellPixels?.width, 10)
        XCTAssertEqual(kitty.cellPixels?.height, 20)
        XCTAssertEqual(kitty.windowPixels?.width, 1600)

        var asked = xterm
        asked.asked = true
        asked.windowPixels = (964, 654)
        let sixel = GraphicsChoice.choose(forced: nil, environment: [:], replies: asked, grid: (160, 50))
        XCTAssertEqual(sixel.mode, .sixel)
        XCTAssertEqual(sixel.cellPixels.width, 6)
        XCTAssertEqual(sixel.cellPixels.height, 13)
        asked.windowPixels = nil
        let unknownSize = GraphicsChoice.choose(forced: nil, environment: [:], replies: asked, grid: (160, 50))
        XCTAssertEqual(unknownSize.mode, .cells)
        XCTAssertTrue(unknownSize.reason.contains("cell size"), unknownSize.reason)
        // tmux answers the device attributes itself, without sixel; a silent terminal answers nothing.
        var tmux = TerminalReplies.parse(Array("\u{1b}[?1;2c".utf8))
        tmux.asked = true
        XCTAssertEqual(GraphicsChoice.choose(forced: nil, environment: ["TMUX": "/tmp/x"], replies: tmux, grid: (80, 24)).mode, .cells)
        var silent = TerminalReplies()
        silent.asked = true
        XCTAssertEqual(GraphicsChoice.choose(forced: nil, environment: [:], replies: silent, grid: (80, 24)).reason, "the terminal answered no query")
        XCTAssertEqual(GraphicsChoice.choose(forced: "kitty", environment: ["TERMLABEL_GRAPHICS": "sixel"], replies: silent, grid: (80, 24)).mode, .kitty)
        XCTAssertEqual(GraphicsChoice.choose(forced: nil, environment: ["TERMLABEL_GRAPHICS": "iterm2"], replies: silent, grid: (80, 24)).mode, .iterm2)
    }
}
