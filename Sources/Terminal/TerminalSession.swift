// The real terminal through ncurses: modes, keys, mouse and resize come from ncurses; frames are written by
// FrameEncoder straight to the terminal, one write per frame, only the cells that changed. The terminal is
// restored on every way out (quit, signals, errors).

import CNCursesW
import CTerminalGuard
import Cells
import Foundation

public final class TerminalSession: Backend {
    public let colorDepth: ColorDepth
    private var shadow: CellBuffer?
    private let encoder = FrameEncoder()
    public let graphics: GraphicsChoice
    private let pictures: PictureSender
    /// Where each picture slot was last submitted (to wipe the cells of one that goes).
    private var submitted: [Int: Rect] = [:]
    /// The picture thread and this one both write to the terminal: one write at a time.
    private let output = NSLock()
    /// Until then, the terminal's late answers to the start-up queries are dropped rather than read as keys.
    private let lateAnswersUntil: Date
    private var active = false

    /// Chooses the colour depth: `forced`, else COLORTERM, else terminfo's RGB/Tc flags, else its colour count.
    public static func detectDepth(forced: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> ColorDepth {
        if let forced, let choice = ColorDepth(rawValue: forced) { return choice }
        if let value = environment["TERMLABEL_COLOR"], let choice = ColorDepth(rawValue: value) { return choice }
        if let colorterm = environment["COLORTERM"]?.lowercased(), colorterm == "truecolor" || colorterm == "24bit" { return .truecolor }
        if tigetflag("RGB") > 0 || tigetflag("Tc") > 0 { return .truecolor }
        return tigetnum("colors") >= 256 ? .palette256 : .palette16
    }

    /// Takes the terminal; `graphics` is what `GraphicsChoice.choose` made of the terminal's replies (asked for
    /// before, while the terminal's modes were still the shell's).
    public init(color forced: String? = nil, graphics: GraphicsChoice = GraphicsChoice(mode: .cells, reason: "not asked", cellPixels: (10, 20))) {
        self.graphics = graphics
        cellPixels = graphics.cellPixels
        lateAnswersUntil = graphics.answersMayFollow ? Date().addingTimeInterval(10) : .distantPast
        let output = output
        pictures = PictureSender(mode: graphics.mode) { bytes in
            output.lock()
            TerminalSession.write(bytes)
            output.unlock()
        }
        setlocale(LC_ALL, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" { setlocale(LC_ALL, "C.UTF-8") }
        if ProcessInfo.processInfo.environment["ESCDELAY"] == nil { set_escdelay(25) }
        tg_install()
        initscr()
        raw()
        noecho()
        _ = cn_keypad(true)
        curs_set(0)
        start_color()
        use_default_colors()
        mousemask(cn_all_mouse_events(), nil)
        mouseinterval(0)
        // Let ncurses clear and take the screen once now: afterwards its own picture (blank) never changes, so
        // reading keys never makes it draw over our frames.
        refresh()
        colorDepth = TerminalSession.detectDepth(forced: forced)
        active = true
        enterModes()
    }

    /// Report drags (button held while moving), which ncurses does not ask for.
    private func enterModes() {
        FileHandle.standardOutput.write(Data("\u{1b}[?1002h".utf8))
    }

    private func leaveModes() {
        // Pictures finished, and kitty's deleted: nothing is drawn after the shell has the terminal.
        forgetPictures()
        FileHandle.standardOutput.write(Data("\u{1b}[0m\u{1b}[?1002l".utf8))
        curs_set(1)
        endwin()
        // Some terminfo entries leave the cursor hidden through endwin: show it for sure.
        FileHandle.standardOutput.write(Data("\u{1b}[?25h".utf8))
    }

    /// Ctrl-Z: gives the terminal back to the shell and stops; returns once continued (fg), with the screen taken
    /// back and to be drawn whole.
    public func suspend() {
        guard active else { return }
        leaveModes()
        tg_stop_self()
        _ = tg_take_continued()
        resume()
    }

    /// Takes the screen back after the process was stopped and continued, by Ctrl-Z or from outside.
    private func resume() {
        refresh()
        curs_set(0)
        enterModes()
        invalidate()
    }

    /// Whether the app owns the terminal. Continued with `kill -CONT` instead of `fg`, it runs in the background: it
    /// must neither read nor draw (reads fail at once, and the loop would spin) until the shell gives the terminal back.
    public var isForeground: Bool { tcgetpgrp(0) == getpgrp() }

    /// True (once) when the process was continued after a stop the app did not ask for (kill -STOP, kill -TSTP):
    /// the screen has been taken back and must be drawn whole.
    public func wasContinued() -> Bool {
        guard tg_take_continued() != 0 else { return false }
        resume()
        return true
    }

    public var size: (width: Int, height: Int) { (Int(cn_cols()), Int(cn_lines())) }

    /// The cell size measured at start, then after each resize from the kernel's window size in pixels (a font
    /// change resizes the grid), where the terminal reports it.
    public private(set) var cellPixels: (width: Int, height: Int)?

    public func present(_ frame: CellBuffer) { present(frame, pictures: []) }

    public func present(_ frame: CellBuffer, pictures shown: [Picture]) {
        let wipe = PictureWriter.wiped(mode: graphics.mode, from: submitted, to: shown)
        if !wipe.isEmpty {
            // A picture still being written would land on the cells that wipe it.
            pictures.waitUntilIdle()
            // Cells under a picture that is gone are sent again, which wipes its pixels.
            if var stale = shadow {
                for rect in wipe { stale.fill(rect, with: Cell("\u{0}")) }
                shadow = stale
            }
        }
        let changes = frame.changes(since: shadow)
        shadow = frame
        if !changes.isEmpty {
            output.lock()
            TerminalSession.write(encoder.encode(changes))
            output.unlock()
        }
        if !shown.isEmpty || !submitted.isEmpty {
            pictures.submit(shown, overwritten: PictureWriter.overwritten(shown, by: changes))
            submitted = Dictionary(shown.map { ($0.slot, $0.rect) }) { first, _ in first }
        }
    }

    /// All of `bytes` to the terminal.
    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let wrote = Foundation.write(1, raw.baseAddress! + done, raw.count - done)
                if wrote <= 0 { break }
                done += wrote
            }
        }
    }

    public func invalidate() {
        shadow = nil
        forgetPictures()
        clearok(cn_stdscr(), true)
        wrefresh(cn_stdscr())
    }

    private func forgetPictures() {
        pictures.forget()
        submitted = [:]
    }

    /// Waits up to `milliseconds` for input.
    public func nextEvent(timeout milliseconds: Int32) -> InputEvent? {
        cn_timeout(milliseconds)
        var code: wint_t = 0
        let result = cn_get_wch(&code)
        if result == cn_err() { return nil }
        if result == cn_key_code_yes() { return special(Int32(code)) }
        guard let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
        switch code {
        case 10, 13: return .key(.enter)
        case 27: return Date() < lateAnswersUntil && dropLateAnswer() ? nil : .key(.escape)
        case 9: return .key(.tab)
        case 127, 8: return .key(.backspace)
        case 1...26: return .key(.control(Character(Unicode.Scalar(code + 96)!)))
        default: return .key(.character(Character(scalar)))
        }
    }

    /// After an ESC: true if what follows is an answer to the start-up queries (device attributes `[?…c`, a size
    /// `[…t`, kitty's `_G…ESC\\`, XTVERSION's `P>|…ESC\\`), which is then read and dropped; otherwise what was read
    /// is given back to be read as keys.
    private func dropLateAnswer() -> Bool {
        var read: [wint_t] = []
        func next() -> wint_t? {
            cn_timeout(50)
            var code: wint_t = 0
            guard cn_get_wch(&code) != cn_err() else { return nil }
            read.append(code)
            return code
        }
        func character(_ code: wint_t?) -> Character? { code.flatMap { Unicode.Scalar(UInt32($0)).map(Character.init) } }
        var isAnswer = false
        switch character(next()) {
        case "[":
            // Parameters (digits, ';', '?') up to the final byte, which must be c or t.
            while let c = character(next()) {
                if c.isNumber || c == ";" || c == "?" { continue }
                isAnswer = c == "c" || c == "t"
                break
            }
        case "_", "P":
            isAnswer = true
            var previous: Character?
            while let c = character(next()) {
                if previous == "\u{1b}" && c == "\\" { break }
                previous = c
            }
        default: break
        }
        if !isAnswer { for code in read.reversed() { _ = unget_wch(wchar_t(code)) } }
        return isAnswer
    }

    private func special(_ code: Int32) -> InputEvent? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_SR: return .key(.shiftUp)
        case KEY_SF: return .key(.shiftDown)
        case KEY_SLEFT: return .key(.shiftLeft)
        case KEY_SRIGHT: return .key(.shiftRight)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_ENTER: return .key(.enter)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_BTAB: return .key(.backTab)
        case KEY_DC: return .key(.delete)
        case KEY_RESIZE:
            shadow = nil
            forgetPictures()
            let window = TerminalProbe.windowSize()
            if let pixels = window.pixels, window.columns > 0, window.rows > 0 {
                cellPixels = (pixels.width / window.columns, pixels.height / window.rows)
            }
            return .resize(width: Int(cn_cols()), height: Int(cn_lines()))
        case KEY_MOUSE:
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            let state = event.bstate
            let button: MouseButton
            var pressed = true
            if state & cn_button4_pressed() != 0 { button = .wheelUp }
            else if state & cn_button5_pressed() != 0 { button = .wheelDown }
            else if state & cn_button1_pressed() != 0 { button = .left }
            else if state & cn_button3_pressed() != 0 { button = .right }
            else if state & cn_button1_released() != 0 { button = .left; pressed = false }
            else if state & cn_button3_released() != 0 { button = .right; pressed = false }
            else if state & cn_report_mouse_position() != 0 { button = .none }
            else { return nil }
            return .mouse(button: button, x: Int(event.x), y: Int(event.y), pressed: pressed)
        default:
            for n in 1...12 where code == cn_key_f(Int32(n)) { return .key(.function(n)) }
            return nil
        }
    }

    /// Gives the terminal back as it was: mouse reporting off, cursor shown, modes restored. Safe to call twice.
    public func restore() {
        guard active else { return }
        active = false
        leaveModes()
        pictures.stop()
        tg_remove()
    }

    deinit { restore() }
}
