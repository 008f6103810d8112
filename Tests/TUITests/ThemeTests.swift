// The bundled themes parse, keep their promises, and a bad or missing theme is named in the error.

import Cells
import Foundation
import Render
import TUI
import XCTest

final class ThemeTests: XCTestCase {
    static let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes").path

    func testEveryBundledThemeParses() throws {
        for name in ["dark", "light", "high-contrast", "colorblind"] {
            let theme = try Theme.named(name, in: [Self.bundled])
            XCTAssertEqual(theme.name, name)
            XCTAssertGreaterThanOrEqual(theme.palette.colors.count, 6, name)
            XCTAssertEqual(Set(theme.palette.colors.prefix(6)).count, 6, "\(name): distinct label colours")
        }
        XCTAssertEqual(try Theme.named("dark", in: [Self.bundled]), Theme.dark, "the built-in default is the dark theme file")
        let colorblind = try Theme.named("colorblind", in: [Self.bundled])
        XCTAssertEqual(Array(colorblind.palette.colors.prefix(7)), Array(LabelPalette.okabeIto.colors.prefix(7)))
    }

    func testTheUserFolderComesFirstAndErrorsNameTheFile() throws {
        let folder = NSTemporaryDirectory() + "termlabel-themes-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try String(contentsOfFile: Self.bundled + "/dark.toml", encoding: .utf8).replacingOccurrences(of: "#e69f00\"\n", with: "#123456\"\n")
            .write(toFile: folder + "/dark.toml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Theme.named("dark", in: [folder, Self.bundled]).crosshair, RGB(0x12, 0x34, 0x56))
        try "name = \"bad\"\n[view]\nbackground = \"black\"\ncrosshair = \"#ffffff\"\nbackground_seed = \"#ffffff\"\nopacity = 0.5\n[labels]\ncolors = [\"#ffffff\"]\n"
            .write(toFile: folder + "/bad.toml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Theme.named("bad", in: [folder])) { error in
            XCTAssertTrue("\(error)".contains("bad.toml") && "\(error)".contains("view.background"), "\(error)")
        }
        XCTAssertThrowsError(try Theme.named("nope", in: [folder, Self.bundled])) { error in
            XCTAssertTrue("\(error)".contains("no theme \"nope\""), "\(error)")
        }
    }

    func testAnOpacityThatIsNotAFractionIsRefused() throws {
        let folder = NSTemporaryDirectory() + "termlabel-themes-opacity-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for value in ["nan", "inf", "1.5", "-0.1"] {
            try "name = \"o\"\n[view]\nbackground = \"#000000\"\ncrosshair = \"#ffffff\"\nbackground_seed = \"#ffffff\"\nopacity = \(value)\n[labels]\ncolors = [\"#ffffff\"]\n"
                .write(toFile: folder + "/o.toml", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Theme.named("o", in: [folder]), value) { error in
                XCTAssertTrue("\(error)".contains("o.toml") && "\(error)".contains("view.opacity"), "\(error)")
            }
        }
    }
}
