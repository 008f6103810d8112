// The default keys, as one table of key → command (vim-style and arrow keys both work). A number typed first
// repeats the next movement (5j).

import Cells

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
        .function(1): .windowSoftTissue, .function(2): .windowLung, .function(3): .windowBone,
        .function(4): .windowBrain, .function(5): .windowAuto,
        .character("W"): .windowWider, .character("w"): .windowNarrower,
        .character("]"): .levelUp, .character("["): .levelDown,
        .character("o"): .toggleOverlay, .character("O"): .opacityUp, .character("i"): .opacityDown,
        .character("n"): .nextStudy, .character("p"): .previousStudy, .enter: .openStudy,
        .character("g"): .focusList,
        .character(" "): .clickPositive, .character("x"): .clickNegative,
        .character("f"): .scribbleForeground, .character("b"): .scribbleBackground,
        .character("d"): .paint, .character("e"): .erase,
        .character(")"): .brushBigger, .character("("): .brushSmaller, .character("B"): .brush3D,
        .character("}"): .nextLabel, .character("{"): .previousLabel,
        .character("u"): .undo, .character("U"): .redo, .control("r"): .redo,
        .character("C"): .clearLabel, .character("r"): .segment,
        .control("s"): .saveDraft, .character("S"): .submit,
        .escape: .cancel,
        .character("?"): .help, .control("l"): .redraw, .character("q"): .quit, .control("c"): .quit,
    ])

    /// Keys of a command, in a stable order, for the help overlay.
    public func keys(for command: Command) -> [Key] {
        bindings.filter { $0.value == command }.map(\.key).sorted { Keymap.name($0) < Keymap.name($1) }
    }

    public static func name(_ key: Key) -> String {
        switch key {
        case .character(" "): "Space"
        case .character(let c): String(c)
        case .control(let c): "Ctrl-" + String(c).uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .delete: "Del"
        case .function(let n): "F\(n)"
        }
    }

    /// "keys  command  what it does", one line per command, generated.
    public var helpLines: [String] {
        Command.allCases.map { command in
            let keys = self.keys(for: command).map(Keymap.name).joined(separator: " ")
            return keys.padding(toLength: 14, withPad: " ", startingAt: 0) + command.help
        }
    }
}
