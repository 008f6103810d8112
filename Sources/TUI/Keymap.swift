// The default keys, as one table of key → command (vim-style and arrow keys both work). A number typed first
// repeats the next movement (5j).

import Cells
import Foundation

public struct Keymap: Sendable {
    public var bindings: [Key: Command]

    public static let defaults = Keymap(bindings: [
        .character("h"): .cursorLeft, .left: .cursorLeft,
        .character("l"): .cursorRight, .right: .cursorRight,
        .character("k"): .cursorUp, .up: .cursorUp,
        .character("j"): .cursorDown, .down: .cursorDown,
        .character("H"): .cursorLeftFast, .character("L"): .cursorRightFast,
        .character("K"): .cursorUpFast, .character("J"): .cursorDownFast,
        .pageUp: .nextSlice, .character("."): .nextSlice, .character(">"): .nextSliceFast,
        .pageDown: .previousSlice, .character(","): .previousSlice, .character("<"): .previousSliceFast,
        .character("a"): .axial, .character("c"): .coronal, .character("s"): .sagittal,
        .tab: .cyclePlane, .character("3"): .toggleLayout,
        .character("+"): .zoomIn, .character("="): .zoomIn, .character("-"): .zoomOut, .character("0"): .resetView,
        .shiftLeft: .panLeft, .shiftRight: .panRight, .shiftUp: .panUp, .shiftDown: .panDown,
        .function(1): .windowSoftTissue, .function(2): .windowLung, .function(3): .windowBone,
        .function(4): .windowBrain, .function(5): .windowAuto,
        .character("W"): .windowWider, .character("w"): .windowNarrower,
        .character("]"): .levelUp, .character("["): .levelDown,
        .character("o"): .toggleOverlay, .character("O"): .opacityUp, .character("i"): .opacityDown,
        .character("n"): .nextStudy, .character("p"): .previousStudy, .enter: .openStudy,
        .character("g"): .focusList, .function(6): .cycleStrategy, .control("n"): .openSuggested,
        .character(" "): .clickPositive, .character("x"): .clickNegative, .character("v"): .box, .character("V"): .lasso,
        .character("f"): .scribbleForeground, .character("b"): .scribbleBackground,
        .character("d"): .paint, .character("e"): .erase,
        .character(")"): .brushBigger, .character("("): .brushSmaller, .character("B"): .brush3D,
        .character("}"): .nextLabel, .character("{"): .previousLabel,
        .character("N"): .renameLabel, .character("T"): .recolorLabel,
        .character("u"): .undo, .character("U"): .redo, .control("r"): .redo,
        .character("C"): .clearLabel, .character("I"): .interpolate, .character("r"): .segment,
        .character("m"): .cycleAssistant, .character("A"): .autoSegment, .character("R"): .refine, .character("t"): .train,
        .control("s"): .saveDraft, .character("S"): .submit,
        .character("E"): .reviewMode, .character("Y"): .acceptReview, .character("X"): .rejectReview, .character("F"): .flagReview,
        .character("D"): .reviewDifference, .character("z"): .jumpToStructure,
        .escape: .cancel,
        .character("?"): .help, .control("l"): .redraw, .control("z"): .suspend, .character("q"): .quit, .control("c"): .quit,
    ])

    /// Keys of a command, in a stable order, for the help overlay.
    public func keys(for command: Command) -> [Key] {
        bindings.filter { $0.value == command }.map(\.key).sorted { Keymap.name($0) < Keymap.name($1) }
    }

    /// A key as the help, docs/keys.md and keys.toml spell it.
    public static func name(_ key: Key) -> String {
        switch key {
        case .character(" "): "Space"
        case .character(let c): String(c)
        case .control(let c): "Ctrl-" + String(c).uppercased()
        case .function(let n): "F\(n)"
        default: namedKeys.first { $0.value == key }!.key
        }
    }

    static let namedKeys: [String: Key] = [
        "Up": .up, "Down": .down, "Left": .left, "Right": .right,
        "Shift-Up": .shiftUp, "Shift-Down": .shiftDown, "Shift-Left": .shiftLeft, "Shift-Right": .shiftRight,
        "PgUp": .pageUp, "PgDn": .pageDown, "Home": .home, "End": .end, "Enter": .enter, "Esc": .escape,
        "Backspace": .backspace, "Tab": .tab, "Shift-Tab": .backTab, "Del": .delete,
    ]

    /// The key a name stands for (the inverse of `name`; case-insensitive for named keys).
    public static func key(named text: String) -> Key? {
        if text == "Space" || text == " " { return .character(" ") }
        if let key = namedKeys.first(where: { $0.key.lowercased() == text.lowercased() })?.value { return key }
        if text.count == 1, let c = text.first { return .character(c) }
        if text.lowercased().hasPrefix("ctrl-"), text.count == 6, let c = text.last?.lowercased().first, c.isLetter { return .control(c) }
        if text.uppercased().hasPrefix("F"), let n = Int(text.dropFirst()), (1...12).contains(n) { return .function(n) }
        return nil
    }

    /// The keys as a Markdown table, for docs/keys.md.
    public var markdown: String {
        var lines = ["# Keys", "",
                     "Generated from the keymap (`termlabel keys --defaults --markdown`). Change a key in `~/.config/termlabel/keys.toml`:",
                     "one line per command, `command = \"key\"` or `command = [\"key\", \"key\"]`, e.g. `segment = \"R\"`.",
                     "A number typed first repeats a movement (`5j`).", "",
                     "| keys | command | what it does |", "|---|---|---|"]
        for command in Command.allCases {
            let keys = self.keys(for: command).map { "`" + Keymap.name($0) + "`" }.joined(separator: " ")
            lines.append("| \(keys) | `\(command.rawValue)` | \(command.help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "keys  what it does", one line per command, generated.
    public var helpLines: [String] {
        let keys = Command.allCases.map { self.keys(for: $0).map(Keymap.name).joined(separator: " ") }
        let width = (keys.map(\.count).max() ?? 0) + 2
        return zip(keys, Command.allCases).map { $0.padding(toLength: width, withPad: " ", startingAt: 0) + $1.help }
    }
}

extension Keymap {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The defaults with the user's keys.toml on top, when it exists: each command listed there gets exactly the
    /// keys given, and a key given there leaves whatever command had it by default.
    public static func loading(overridesAt path: String, over base: Keymap = .defaults) throws -> Keymap {
        guard FileManager.default.fileExists(atPath: path) else { return base }
        // Read as bytes, then decoded: String(contentsOfFile:) leaks its buffer on text that is not UTF-8.
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(path: path, reason: "unreadable") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(path: path, reason: "not UTF-8 text") }
        var table: [String: [String]] = [:]
        do {
            for (name, value) in try SettingsTOML.parse(text) {
                // One key or a list of keys.
                let names = value.string.map { [$0] } ?? value.array?.compactMap(\.string)
                guard let names, names.count == (value.array?.count ?? 1) else {
                    throw SettingsTOML.Failure(line: 0, reason: "\(name) takes a key or a list of keys in quotes")
                }
                table[name] = names
            }
        } catch {
            throw Failure(path: path, reason: "expected lines like segment = \"R\" or undo = [\"u\", \"Ctrl-U\"] (\(error))")
        }
        var keymap = base
        var given: [Key: Command] = [:]
        for (name, list) in table.sorted(by: { $0.key < $1.key }) {
            guard let command = Command(rawValue: name) else {
                throw Failure(path: path, reason: "no command \"\(name)\" (docs/keys.md lists them)")
            }
            keymap.bindings = keymap.bindings.filter { $0.value != command }
            for keyName in list {
                guard let key = Keymap.key(named: keyName) else {
                    throw Failure(path: path, reason: "\(name): \"\(keyName)\" is not a key (a character, Ctrl-X, F1–F12, Up, PgDn, Shift-Left, Esc…)")
                }
                if let other = given[key], other != command {
                    throw Failure(path: path, reason: "\"\(keyName)\" is given to both \(other.rawValue) and \(name)")
                }
                given[key] = command
            }
        }
        for (key, command) in given { keymap.bindings[key] = command }
        // Without these the app cannot be left, or its keys cannot be found.
        for needed in [Command.quit, .help] where !keymap.bindings.values.contains(needed) {
            throw Failure(path: path, reason: "\(needed.rawValue) has no key left: give it one")
        }
        return keymap
    }
}
