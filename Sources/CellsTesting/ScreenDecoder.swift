// A small terminal for tests: replays cursor moves, SGR colours and attributes and characters onto a screen of
// cells, so that what a program sent (or what tmux captured) can be compared with what it meant to show.

import Cells

public struct ScreenDecoder {
    public var screen: CellBuffer
    var x = 0, y = 0
    var style = Style.plain

    public init(width: Int, height: Int) { screen = CellBuffer(width: width, height: height) }

    /// Bytes as a terminal receives them (cursor addressing with ESC [ row ; column H).
    public mutating func feed(_ bytes: [UInt8]) {
        let characters = Array(String(decoding: bytes, as: UTF8.self))
        var n = 0
        while n < characters.count {
            if characters[n] == "\u{1b}" {
                var end = n + 2
                while end < characters.count && !characters[end].isLetter { end += 1 }
                guard end < characters.count else { break }
                let parameters = String(characters[(n + 2)..<end]).split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
                switch characters[end] {
                case "H": y = max(parameters[0], 1) - 1; x = (parameters.count > 1 ? max(parameters[1], 1) : 1) - 1
                case "m": ScreenDecoder.apply(parameters, to: &style)
                default: break
                }
                n = end + 1
            } else {
                screen[x, y] = Cell(characters[n], style: style)
                x += 1
                n += 1
            }
        }
    }

    /// tmux's `capture-pane -p -e -N`: one line per row, colours re-sent per line and only on change.
    public static func capture(_ text: String, width: Int, height: Int) -> CellBuffer {
        var decoder = ScreenDecoder(width: width, height: height)
        for (row, line) in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(height).enumerated() {
            decoder.x = 0
            decoder.y = row
            decoder.style = .plain
            decoder.feed(Array(line.utf8))
        }
        return decoder.screen
    }

    static func apply(_ p: [Int], to style: inout Style) {
        var n = 0
        while n < p.count {
            switch p[n] {
            case 0: style = .plain
            case 1: style.attributes.insert(.bold)
            case 2: style.attributes.insert(.dim)
            case 4: style.attributes.insert(.underline)
            case 7: style.attributes.insert(.reverse)
            case 22: style.attributes.remove(.bold); style.attributes.remove(.dim)
            case 24: style.attributes.remove(.underline)
            case 27: style.attributes.remove(.reverse)
            case 39: style.foreground = .default
            case 49: style.background = .default
            case 38, 48:
                guard n + 2 < p.count else { return }
                let rgb = p[n + 1] == 2 && n + 4 < p.count
                let color: Color = rgb ? .rgb(RGB(UInt8(p[n + 2]), UInt8(p[n + 3]), UInt8(p[n + 4]))) : .indexed(UInt8(p[n + 2]))
                if p[n] == 38 { style.foreground = color } else { style.background = color }
                n += rgb ? 4 : 2
            default: break
            }
            n += 1
        }
    }
}
