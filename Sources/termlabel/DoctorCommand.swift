// `termlabel doctor`: what this terminal gives the app (colours, pixels, mouse, size) and why, asked of the terminal
// itself since SSH forwards only TERM; with --keys, what each key press reaches the app as.

import App
import ArgumentParser
import Cells
import CNCursesW
import CommandOptions
import Foundation
import Terminal
import TUI

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report what this terminal shows (colours, pixels: kitty, sixel, iTerm2 or cells), its size and mouse."
    )

    @OptionGroup var terminal: TerminalArguments

    @Flag(help: "Then show each key as the app receives it, until q.")
    var keys = false

    func run() throws {
        let (graphics, color) = (terminal.graphics, terminal.color)
        let environment = ProcessInfo.processInfo.environment
        let term = environment["TERM"] ?? "(unset)"
        let (choice, replies, seconds) = TerminalProbe.choose(forced: graphics)
        let window = TerminalProbe.windowSize()
        let known = cn_setupterm() == 0
        print("terminal    TERM=\(term)" + (environment["TMUX"] != nil ? ", inside tmux" : "") + (environment["SSH_TTY"] != nil ? ", over SSH" : ""))
        print("size        \(window.columns)×\(window.rows) cells" + (replies.windowPixels.map { ", \($0.width)×\($0.height) pixels" } ?? ", pixels unknown")
              + ", cell \(choice.cellPixels.width)×\(choice.cellPixels.height) pixels")
        let depth = known ? TerminalSession.detectDepth(forced: color) : ColorDepth(rawValue: color ?? "") ?? .palette256
        print("colour      \(depth.rawValue)" + colourReason(depth, forced: color, environment: environment, terminfo: known))
        if replies.asked {
            let answered = [replies.kittyGraphics ? "kitty graphics" : nil, replies.deviceAttributes.map { "device attributes " + $0.map(String.init).joined(separator: ";") },
                            replies.version.map { "version " + $0 }, replies.cellPixels.map { "cell \($0.width)×\($0.height)" }].compactMap { $0 }
            print("answers     " + (answered.isEmpty ? "none" : answered.joined(separator: ", ")) + String(format: " (%.0f ms)", seconds * 1000))
        } else {
            print("answers     not asked: " + (graphics != nil || environment["TERMLABEL_GRAPHICS"] != nil ? "the graphics were given" : "no terminal"))
        }
        print("graphics    \(choice.mode.rawValue): \(choice.reason)")
        if environment["TMUX"] != nil {
            print("tmux        slices use cells inside tmux: tmux 3.3 has no sixel, and termlabel does not pass kitty images")
            print("            through tmux; run termlabel outside tmux for pixels, and see README for 24-bit colour")
        }
        let mouse = known ? (tigetstr("kmous").map { Int(bitPattern: $0) > 0 } ?? false) : false
        print("mouse       " + (mouse ? "reported by the terminal (clicks, drags, wheel)" : "terminfo for \(term) lists no mouse: keys only"))
        if keys { try showKeys() }
    }

    func colourReason(_ depth: ColorDepth, forced: String?, environment: [String: String], terminfo: Bool) -> String {
        if forced != nil { return ": --color" }
        if environment["TERMLABEL_COLOR"] != nil { return ": TERMLABEL_COLOR" }
        if let colorterm = environment["COLORTERM"], depth == .truecolor { return ": COLORTERM=\(colorterm)" }
        if !terminfo { return ": no terminfo entry for TERM" }
        return depth == .truecolor ? ": terminfo says RGB" : ": terminfo's colour count (--color truecolor if the terminal has more; see README)"
    }

    /// Each event as the app gets it, with the command it runs (your keys.toml applied), until q.
    func showKeys() throws {
        let keymap = try Keymap.loading(overridesAt: UserFolders.keysFile())
        let session = TerminalSession(color: terminal.color)
        defer { session.restore() }
        var lines = ["Press keys (q ends): each shows as the app receives it and what it does."]
        while true {
            var frame = CellBuffer(width: session.size.width, height: session.size.height)
            for (n, line) in lines.suffix(max(1, session.size.height - 1)).enumerated() { frame.write(line, x: 0, y: n) }
            session.present(frame)
            guard let event = session.nextEvent(timeout: 1000) else { continue }
            switch event {
            case .key(.character("q")): return
            case .key(let key): lines.append(Keymap.name(key) + " → " + (keymap.bindings[key].map(\.rawValue) ?? "nothing"))
            case .mouse(let button, let x, let y, let pressed):
                lines.append("mouse \(button) \(pressed ? "pressed" : "released") at column \(x + 1), row \(y + 1)")
            case .resize(let width, let height): lines.append("resized to \(width)×\(height)")
            }
        }
    }
}
