// The part of TOML that themes and keys.toml use: comments, [tables] one level deep, bare or quoted keys, and values
// that are strings (basic or literal), numbers (with inf and nan), booleans and arrays of them, arrays across
// lines. Written here because the C++ parser behind TOMLKit aborts the process on some malformed files (a lone
// "[" line); a settings file must never take the app down, whatever it holds.

import Foundation

public enum SettingsValue: Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([SettingsValue])
    case table([String: SettingsValue])

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var number: Double? { if case .number(let n) = self { n } else { nil } }
    public var array: [SettingsValue]? { if case .array(let a) = self { a } else { nil } }
    public var table: [String: SettingsValue]? { if case .table(let t) = self { t } else { nil } }
}

public enum SettingsTOML {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The document as a table; keys of [sections] sit in nested tables.
    public static func parse(_ text: String) throws -> [String: SettingsValue] {
        var parser = Parser(Array(text.unicodeScalars))
        return try parser.document()
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        func fail(_ reason: String) -> Failure { Failure(line: line, reason: reason) }
        var atEnd: Bool { i >= s.count }
        var current: Unicode.Scalar? { atEnd ? nil : s[i] }

        mutating func advance() {
            if s[i] == "\n" { line += 1 }
            i += 1
        }

        /// Spaces and tabs; with `newlines`, also line ends and comments.
        mutating func skipBlank(newlines: Bool) {
            while let c = current {
                if c == " " || c == "\t" || c == "\r" { advance() } else if c == "#" {
                    while let d = current, d != "\n" { advance() }
                } else if newlines && c == "\n" { advance() } else { return }
            }
        }

        mutating func document() throws -> [String: SettingsValue] {
            var root: [String: SettingsValue] = [:]
            var section: String?
            while true {
                skipBlank(newlines: true)
                guard let c = current else { break }
                if c == "[" {
                    advance()
                    skipBlank(newlines: false)
                    let name = try key()
                    skipBlank(newlines: false)
                    guard current == "]" else { throw fail("a [table] header needs its closing ]") }
                    advance()
                    if root[name] != nil { throw fail("[\(name)] is defined twice") }
                    root[name] = .table([:])
                    section = name
                } else {
                    let name = try key()
                    skipBlank(newlines: false)
                    guard current == "=" else { throw fail("expected = after \(name)") }
                    advance()
                    skipBlank(newlines: false)
                    let v = try value(depth: 0)
                    if let section {
                        var table = root[section]?.table ?? [:]
                        if table[name] != nil { throw fail("\(name) is given twice in [\(section)]") }
                        table[name] = v
                        root[section] = .table(table)
                    } else {
                        if root[name] != nil { throw fail("\(name) is given twice") }
                        root[name] = v
                    }
                }
                skipBlank(newlines: false)
                if let c = current, c != "\n" { throw fail("unexpected \(Character(c)) after a value") }
            }
            return root
        }

        mutating func key() throws -> String {
            if current == "\"" || current == "'" { return try string() }
            var name = ""
            while let c = current, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-" {
                name.unicodeScalars.append(c)
                advance()
            }
            guard !name.isEmpty else { throw fail("expected a key") }
            return name
        }

        mutating func value(depth: Int) throws -> SettingsValue {
            guard let c = current else { throw fail("a value is missing") }
            switch c {
            case "\"", "'": return .string(try string())
            case "[":
                guard depth < 32 else { throw fail("arrays nested too deep") }
                advance()
                var items: [SettingsValue] = []
                while true {
                    skipBlank(newlines: true)
                    if current == "]" { advance(); return .array(items) }
                    items.append(try value(depth: depth + 1))
                    skipBlank(newlines: true)
                    if current == "," { advance(); continue }
                    guard current == "]" else { throw fail("expected , or ] in an array") }
                }
            default:
                var word = ""
                while let d = current, !" \t\r\n,]#".unicodeScalars.contains(d) {
                    word.unicodeScalars.append(d)
                    advance()
                }
                switch word {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "inf", "+inf": return .number(.infinity)
                case "-inf": return .number(-.infinity)
                case "nan", "+nan", "-nan": return .number(.nan)
                default:
                    guard let number = Double(word.replacingOccurrences(of: "_", with: "")) else {
                        throw fail(word.isEmpty ? "a value is missing" : "\(word) is not a value (strings are quoted)")
                    }
                    return .number(number)
                }
            }
        }

        /// A basic ("…", with escapes) or literal ('…') string on one line.
        mutating func string() throws -> String {
            let quote = s[i]
            advance()
            var out = ""
            while true {
                guard let c = current, c != "\n" else { throw fail("a string is not closed on its line") }
                advance()
                if c == quote { return out }
                guard quote == "\"" && c == "\\" else {
                    out.unicodeScalars.append(c)
                    continue
                }
                guard let e = current else { throw fail("a string ends in \\") }
                advance()
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "\"": out += "\""
                case "\\": out += "\\"
                case "u", "U":
                    let digits = e == "u" ? 4 : 8
                    var hex = ""
                    for _ in 0..<digits {
                        guard let h = current, h.properties.isASCIIHexDigit else { throw fail("\\\(e) needs \(digits) hex digits") }
                        hex.unicodeScalars.append(h)
                        advance()
                    }
                    guard let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) else { throw fail("\\\(e)\(hex) is no character") }
                    out.unicodeScalars.append(scalar)
                default: throw fail("\\\(Character(e)) is not an escape")
                }
            }
        }
    }
}
