// Text that came from files (image ids, paths, names) on its way to a terminal: a control character in a file name
// must show as what it is, never reach the terminal as a command (an escape sequence can rewrite the screen or the
// title, a newline can fake a line of output).

public enum TerminalText {
    /// `text` with every control character written out: \n, \r, \t, \e, else \u{XX}.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{1B}": out += "\\e"
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.generalCategory == .control }
}
