// Themes: the view's colours and the label palette, from themes/<name>.toml (bundled, or the user's own in
// ~/.config/termlabel/themes/).

import Cells
import Foundation
import Render

public struct Theme: Sendable, Equatable {
    public var name: String
    public var background: RGB
    public var crosshair: RGB
    public var backgroundSeed: RGB
    public var opacity: Double
    public var palette: LabelPalette

    public static let dark = Theme(name: "dark", background: RGB(gray: 0), crosshair: RGB(230, 159, 0),
                                   backgroundSeed: RGB(gray: 245), opacity: 0.45, palette: .okabeIto)

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case notFound(name: String, searched: [String])
        case invalid(path: String, reason: String)

        public var description: String {
            switch self {
            case .notFound(let name, let searched): "no theme \"\(name)\" (looked in \(searched.joined(separator: ", ")))"
            case .invalid(let path, let reason): "\(path): \(reason)"
            }
        }
    }


    public init(name: String, background: RGB, crosshair: RGB, backgroundSeed: RGB, opacity: Double, palette: LabelPalette) {
        self.name = name
        self.background = background
        self.crosshair = crosshair
        self.backgroundSeed = backgroundSeed
        self.opacity = opacity
        self.palette = palette
    }

    /// Parses a theme file.
    public init(path: String) throws {
        // Read as bytes, then decoded: String(contentsOfFile:) leaks its buffer on text that is not UTF-8.
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure.invalid(path: path, reason: "unreadable") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure.invalid(path: path, reason: "not UTF-8 text") }
        let file: [String: SettingsValue]
        do {
            file = try SettingsTOML.parse(text)
        } catch {
            throw Failure.invalid(path: path, reason: "not a theme: \(error)")
        }
        func value(_ table: String?, _ key: String) throws -> SettingsValue {
            let found = table.map { file[$0]?.table?[key] } ?? file[key]
            guard let found else { throw Failure.invalid(path: path, reason: "\(table.map { $0 + "." } ?? "")\(key) is missing") }
            return found
        }
        func color(_ value: SettingsValue, _ key: String) throws -> RGB {
            guard let text = value.string, let rgb = RGB(hex: text) else {
                throw Failure.invalid(path: path, reason: "\(key) = \(value.string.map { "\"\($0)\"" } ?? "that") is not #rrggbb")
            }
            return rgb
        }
        guard let name = try value(nil, "name").string else { throw Failure.invalid(path: path, reason: "name is not a string") }
        let opacity = try value("view", "opacity").number ?? .nan
        guard opacity.isFinite, (0...1).contains(opacity) else {
            throw Failure.invalid(path: path, reason: "view.opacity = \(opacity) is not a number from 0 to 1")
        }
        guard let list = try value("labels", "colors").array else { throw Failure.invalid(path: path, reason: "labels.colors is not a list") }
        let colors = try list.map { try color($0, "labels.colors") }
        guard !colors.isEmpty else { throw Failure.invalid(path: path, reason: "labels.colors is empty") }
        self.init(name: name, background: try color(try value("view", "background"), "view.background"),
                  crosshair: try color(try value("view", "crosshair"), "view.crosshair"),
                  backgroundSeed: try color(try value("view", "background_seed"), "view.background_seed"),
                  opacity: opacity, palette: LabelPalette(colors: colors))
    }

    /// Finds `name.toml` in the folders given, first match wins.
    public static func named(_ name: String, in folders: [String]) throws -> Theme {
        for folder in folders where FileManager.default.fileExists(atPath: folder + "/\(name).toml") {
            return try Theme(path: folder + "/\(name).toml")
        }
        throw Failure.notFound(name: name, searched: folders)
    }
}
