// Themes: the view's colours and the label palette, from themes/<name>.toml (bundled, or the user's own in
// ~/.config/termlabel/themes/).

import Cells
import Foundation
import Render
import TOMLKit

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

    struct File: Codable {
        struct View: Codable {
            var background: String
            var crosshair: String
            var background_seed: String
            var opacity: Double
        }
        struct Labels: Codable { var colors: [String] }
        var name: String
        var view: View
        var labels: Labels
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
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure.invalid(path: path, reason: "unreadable")
        }
        let file: File
        do {
            file = try TOMLDecoder().decode(File.self, from: text)
        } catch {
            throw Failure.invalid(path: path, reason: "not a theme: \(error)")
        }
        func color(_ text: String, _ key: String) throws -> RGB {
            guard let rgb = RGB(hex: text) else { throw Failure.invalid(path: path, reason: "\(key) = \"\(text)\" is not #rrggbb") }
            return rgb
        }
        guard file.view.opacity.isFinite, (0...1).contains(file.view.opacity) else {
            throw Failure.invalid(path: path, reason: "view.opacity = \(file.view.opacity) is not a number from 0 to 1")
        }
        let colors = try file.labels.colors.map { try color($0, "labels.colors") }
        guard !colors.isEmpty else { throw Failure.invalid(path: path, reason: "labels.colors is empty") }
        self.init(name: file.name, background: try color(file.view.background, "view.background"),
                  crosshair: try color(file.view.crosshair, "view.crosshair"),
                  backgroundSeed: try color(file.view.background_seed, "view.background_seed"),
                  opacity: file.view.opacity, palette: LabelPalette(colors: colors))
    }

    /// Finds `name.toml` in the folders given, first match wins.
    public static func named(_ name: String, in folders: [String]) throws -> Theme {
        for folder in folders where FileManager.default.fileExists(atPath: folder + "/\(name).toml") {
            return try Theme(path: folder + "/\(name).toml")
        }
        throw Failure.notFound(name: name, searched: folders)
    }
}
