// Changed cells → the bytes a terminal needs: the cursor moved only where cells are not contiguous, foreground
// and background in one SGR (semicolon form), only what changed since the previous cell, one buffer per frame.

import Cells

public struct FrameEncoder {
    public init() {}

    public func encode(_ changes: [(x: Int, y: Int, cell: Cell)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(changes.count * 24)
        var cursor: (x: Int, y: Int)? = nil
        var current: Style? = nil
        for (x, y, cell) in changes {
            if cursor == nil || cursor! != (x, y) {
                append("\u{1b}[\(y + 1);\(x + 1)H", to: &out)
            }
            if current != cell.style {
                append(sgr(from: current, to: cell.style), to: &out)
                current = cell.style
            }
            append(String(cell.symbol), to: &out)
            cursor = (x + 1, y)
        }
        if current != nil && current != .plain { append("\u{1b}[0m", to: &out) }
        return out
    }

    /// One SGR taking the terminal from `old` to `new`; a full reset when attributes go away.
    func sgr(from old: Style?, to new: Style) -> String {
        var parts: [String] = []
        let reset = old == nil || !(old!.attributes.isSubset(of: new.attributes))
        if reset { parts.append("0") }
        let base = reset ? Style.plain : old!
        for (flag, code) in [(Attributes.bold, "1"), (.dim, "2"), (.underline, "4"), (.reverse, "7")]
        where new.attributes.contains(flag) && !base.attributes.contains(flag) {
            parts.append(code)
        }
        if new.foreground != base.foreground || (reset && new.foreground != .default) { parts.append(code(new.foreground, background: false)) }
        if new.background != base.background || (reset && new.background != .default) { parts.append(code(new.background, background: true)) }
        if parts.isEmpty { return "" }
        return "\u{1b}[" + parts.joined(separator: ";") + "m"
    }

    func code(_ color: Color, background: Bool) -> String {
        switch color {
        case .default: background ? "49" : "39"
        case .rgb(let c): (background ? "48;2;" : "38;2;") + "\(c.r);\(c.g);\(c.b)"
        case .indexed(let n): (background ? "48;5;" : "38;5;") + "\(n)"
        }
    }

    private func append(_ text: String, to out: inout [UInt8]) { out.append(contentsOf: text.utf8) }
}
