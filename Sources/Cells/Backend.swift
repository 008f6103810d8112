// Where frames go: the ncurses terminal in the app, memory in tests.

public protocol Backend: AnyObject {
    /// Columns and rows available.
    var size: (width: Int, height: Int) { get }
    /// Shows a frame; only what changed since the last frame needs to travel.
    func present(_ frame: CellBuffer)
    /// Shows a frame and, where the terminal shows pixels, pictures over parts of it.
    func present(_ frame: CellBuffer, pictures: [Picture])
    /// Forgets what the terminal shows, so that the next frame is sent whole (after a resize, Ctrl-L, resume).
    func invalidate()
}

extension Backend {
    public func present(_ frame: CellBuffer, pictures: [Picture]) { present(frame) }
}

/// A backend that keeps the last frame, for tests.
public final class MemoryBackend: Backend {
    public var size: (width: Int, height: Int)
    public private(set) var frame: CellBuffer
    /// Cells sent by the last `present`.
    public private(set) var lastChangeCount = 0

    public init(width: Int, height: Int) {
        size = (width, height)
        frame = CellBuffer(width: width, height: height)
    }

    /// The pictures shown with the last frame.
    public private(set) var pictures: [Picture] = []

    public func present(_ next: CellBuffer) { present(next, pictures: []) }

    public func present(_ next: CellBuffer, pictures: [Picture]) {
        lastChangeCount = next.changes(since: frame).count
        frame = next
        self.pictures = pictures
    }

    public func invalidate() { frame = CellBuffer(width: 0, height: 0) }
}
