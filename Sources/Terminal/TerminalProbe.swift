// What the terminal can show, learned by asking it: SSH forwards TERM but neither COLORTERM nor TERM_PROGRAM. The
// queries (kitty graphics, XTVERSION, cell and window size in pixels) go out followed by the primary device
// attributes, which every terminal answers (sixel is attribute 4): its answer is the fence after which nothing
// more will come, and a deadline bounds the wait for a terminal that answers nothing.

import Cells
import Foundation

public struct TerminalReplies: Equatable, Sendable {
    /// Whether there was a terminal to ask.
    public var asked = false
    public var kittyGraphics = false
    /// The primary device attributes (`CSI ? … c`), nil if unanswered.
    public var deviceAttributes: [Int]?
    /// XTVERSION's name and version, such as "XTerm(388)" or "kitty(0.39.1)".
    public var version: String?
    public var cellPixels: (width: Int, height: Int)?
    public var windowPixels: (width: Int, height: Int)?

    public init() {}

    public static func == (a: TerminalReplies, b: TerminalReplies) -> Bool {
        a.asked == b.asked && a.kittyGraphics == b.kittyGraphics && a.deviceAttributes == b.deviceAttributes && a.version == b.version
            && a.cellPixels?.width == b.cellPixels?.width && a.cellPixels?.height == b.cellPixels?.height
            && a.windowPixels?.width == b.windowPixels?.width && a.windowPixels?.height == b.windowPixels?.height
    }

    public var sixel: Bool { deviceAttributes?.contains(4) ?? false }

    /// Reads the replies out of the bytes the terminal sent (in any order, with anything else between them).
    public static func parse(_ bytes: [UInt8]) -> TerminalReplies {
        var replies = TerminalReplies()
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("\u{1b}_Gi=31;OK") { replies.kittyGraphics = true }
        var rest = Substring(text)
        while let escape = rest.firstIndex(of: "\u{1b}") {
            rest = rest[rest.index(after: escape)...]
            if rest.hasPrefix("[") {
                // CSI: parameters up to the final byte.
                let body = rest.dropFirst()
                guard let final = body.firstIndex(where: { $0.isLetter }) else { break }
                let parameters = body[..<final]
                let command = body[final]
                if command == "c", parameters.hasPrefix("?") {
                    replies.deviceAttributes = parameters.dropFirst().split(separator: ";").compactMap { Int($0) }
                } else if command == "t" {
                    let numbers = parameters.split(separator: ";").compactMap { Int($0) }
                    if numbers.count == 3, numbers[1] > 0, numbers[2] > 0 {
                        if numbers[0] == 6 { replies.cellPixels = (numbers[2], numbers[1]) }
                        if numbers[0] == 4 { replies.windowPixels = (numbers[2], numbers[1]) }
                    }
                }
                rest = body[body.index(after: final)...]
            } else if rest.hasPrefix("P>|") {
                // DCS > | name ST
                let body = rest.dropFirst(3)
                let end = body.firstIndex(of: "\u{1b}") ?? body.endIndex
                replies.version = String(body[..<end])
                rest = body[end...]
            }
        }
        return replies
    }
}

/// The choice of how slices are drawn, and the reason, for the status line and `termlabel doctor`.
public struct GraphicsChoice: Sendable {
    public var mode: GraphicsMode
    public var reason: String
    public var cellPixels: (width: Int, height: Int)
    /// Asked, but no answer came in time: over a slow link the answers may still arrive, as if typed.
    public var answersMayFollow = false

    public init(mode: GraphicsMode, reason: String, cellPixels: (width: Int, height: Int)) {
        (self.mode, self.reason, self.cellPixels) = (mode, reason, cellPixels)
    }

    /// `forced` (--graphics), else TERMLABEL_GRAPHICS, else what the replies say. A pixel protocol needs the cell's
    /// size in pixels: without it, cells.
    public static func choose(forced: String?, environment: [String: String], replies: TerminalReplies,
                              grid: (columns: Int, rows: Int)) -> GraphicsChoice {
        var cell = replies.cellPixels
        if cell == nil, let window = replies.windowPixels, grid.columns > 0, grid.rows > 0 {
            cell = (window.width / grid.columns, window.height / grid.rows)
        }
        let measured = cell.flatMap { $0.width > 0 && $0.height > 0 ? $0 : nil }
        let size = measured ?? (10, 20)
        let told = forced.flatMap { f in GraphicsMode(rawValue: f).map { ($0, "--graphics \(f)") } }
            ?? environment["TERMLABEL_GRAPHICS"].flatMap { v in GraphicsMode(rawValue: v).map { ($0, "TERMLABEL_GRAPHICS=\(v)") } }
        if let (mode, source) = told {
            return GraphicsChoice(mode: mode, reason: source + (measured == nil && mode != .cells ? "; cell size unknown, 10×20 assumed" : ""), cellPixels: size)
        }
        let version = replies.version.map { " (\($0))" } ?? ""
        let offered: (GraphicsMode, String)?
        if replies.kittyGraphics { offered = (.kitty, "the terminal\(version) answered the kitty graphics query") }
        else if replies.sixel { offered = (.sixel, "the terminal\(version) lists sixel in its device attributes") }
        else if let name = replies.version, name.hasPrefix("iTerm2") || name.hasPrefix("WezTerm") { offered = (.iterm2, "the terminal is \(name)") }
        else { offered = nil }
        guard let (mode, why) = offered else {
            let reason = !replies.asked ? "no terminal to ask" : replies.deviceAttributes == nil ? "the terminal answered no query"
                : "the terminal\(version) offers no image protocol"
            return GraphicsChoice(mode: .cells, reason: reason + (environment["TMUX"] != nil ? " (inside tmux: see README)" : ""), cellPixels: size)
        }
        guard measured != nil else { return GraphicsChoice(mode: .cells, reason: why + ", but did not say its cell size in pixels", cellPixels: size) }
        return GraphicsChoice(mode: mode, reason: why, cellPixels: size)
    }
}

public enum TerminalProbe {
    /// Kitty graphics, XTVERSION, cell size, window size, then the device attributes as the fence.
    public static let queries = KittyGraphics.query + "\u{1b}[>q" + "\u{1b}[16t" + "\u{1b}[14t" + "\u{1b}[c"

    /// Asks the controlling terminal (nothing when there is none) and waits for the fence or `deadline` seconds;
    /// the terminal's modes are restored before it returns. A terminal that answers ends the wait with the fence, so
    /// the deadline is what a slow answer may take: an SSH link's round trip (0.1–0.3 s across an ocean), a busy
    /// machine's terminal (kitty drawing in software: 5 ms idle, 27–75 ms beside three busy processes, none within
    /// 0.15 s beside a test run and two segmentations), never the start-up time of a terminal that answers.
    public static func ask(deadline: Double = 1) -> (replies: TerminalReplies, bytes: [UInt8], seconds: Double) {
        let start = Date()
        let tty = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard tty >= 0 else { return (TerminalReplies(), [], 0) }
        defer { close(tty) }
        var saved = termios()
        guard tcgetattr(tty, &saved) == 0 else { return (TerminalReplies(), [], 0) }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        tcsetattr(tty, TCSANOW, &raw)
        defer { tcsetattr(tty, TCSANOW, &saved) }
        _ = queries.utf8CString.withUnsafeBufferPointer { write(tty, $0.baseAddress, $0.count - 1) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            let left = deadline - Date().timeIntervalSince(start)
            if left <= 0 { break }
            var poller = pollfd(fd: tty, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, left * 1000))) > 0 else { break }
            let count = read(tty, &chunk, chunk.count)
            if count <= 0 { break }
            received += chunk.prefix(count)
            if TerminalReplies.parse(received).deviceAttributes != nil { break }
        }
        var replies = TerminalReplies.parse(received)
        replies.asked = true
        return (replies, received, Date().timeIntervalSince(start))
    }

    /// Asks the terminal (unless `forced` or TERMLABEL_GRAPHICS decides) and chooses; also what it answered.
    public static func choose(forced: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (choice: GraphicsChoice, replies: TerminalReplies, seconds: Double) {
        let asked = forced == nil && environment["TERMLABEL_GRAPHICS"] == nil
        var (replies, _, seconds) = asked ? ask() : (TerminalReplies(), [], 0)
        let window = windowSize()
        if replies.windowPixels == nil { replies.windowPixels = window.pixels }
        var choice = GraphicsChoice.choose(forced: forced, environment: environment, replies: replies, grid: (window.columns, window.rows))
        choice.answersMayFollow = replies.asked && replies.deviceAttributes == nil
        return (choice, replies, seconds)
    }

    /// The terminal's size in cells and, where the kernel knows it, in pixels (TIOCGWINSZ).
    public static func windowSize() -> (columns: Int, rows: Int, pixels: (width: Int, height: Int)?) {
        var size = winsize()
        let tty = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard tty >= 0 else { return (0, 0, nil) }
        defer { close(tty) }
        guard ioctl(tty, UInt(TIOCGWINSZ), &size) == 0 else { return (0, 0, nil) }
        let pixels = size.ws_xpixel > 0 && size.ws_ypixel > 0 ? (Int(size.ws_xpixel), Int(size.ws_ypixel)) : nil
        return (Int(size.ws_col), Int(size.ws_row), pixels)
    }
}
