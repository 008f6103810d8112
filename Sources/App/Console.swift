// Where the app reads events and shows frames: the terminal when it runs, memory in tests.

import Cells
import Foundation

public protocol Console: Backend {
    /// The next event, or nil when none came within `milliseconds`.
    func nextEvent(timeout milliseconds: Int32) -> InputEvent?
    /// Whether the app owns the terminal now (false while it is stopped or sent to the background).
    var isForeground: Bool { get }
    /// True once after the process was stopped and continued behind the app's back: the next frame goes whole.
    func wasContinued() -> Bool
    /// Gives the terminal back to the shell until the user resumes the app.
    func suspend()
    /// The size of a cell in pixels as the terminal says it now, if it says.
    var cellPixels: (width: Int, height: Int)? { get }
}

/// Events from a script, frames kept in memory: the whole app without a terminal.
public final class MemoryConsole: Console {
    private let memory: MemoryBackend
    private var script: [InputEvent]
    public private(set) var suspensions = 0

    public init(width: Int, height: Int, script: [InputEvent] = []) {
        memory = MemoryBackend(width: width, height: height)
        self.script = script
    }

    /// The frame shown last.
    public var frame: CellBuffer { memory.frame }
    public var pictures: [Picture] { memory.pictures }
    public var size: (width: Int, height: Int) { memory.size }

    public func present(_ frame: CellBuffer) { memory.present(frame) }
    public func present(_ frame: CellBuffer, pictures: [Picture]) { memory.present(frame, pictures: pictures) }
    public func invalidate() { memory.invalidate() }

    /// Events still to come.
    public func append(_ events: [InputEvent]) { script += events }

    public func nextEvent(timeout milliseconds: Int32) -> InputEvent? {
        script.isEmpty ? nil : script.removeFirst()
    }

    public var isForeground: Bool { true }
    public var cellPixels: (width: Int, height: Int)?
    public func wasContinued() -> Bool { false }
    public func suspend() { suspensions += 1 }
}
