// A whole screen (or part) of cells in memory. Views render into it; the backend compares it with what the
// terminal shows and sends only the cells that changed.

public struct CellBuffer: Equatable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public var cells: [Cell]

    public init(width: Int, height: Int, filling cell: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = [Cell](repeating: cell, count: self.width * self.height)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0 && y >= 0 && x < width && y < height { cells[y * width + x] = newValue } }
    }

    public mutating func fill(_ rect: Rect, with cell: Cell) {
        for y in max(rect.y, 0)..<min(rect.maxY, height) { for x in max(rect.x, 0)..<min(rect.maxX, width) { self[x, y] = cell } }
    }

    /// Writes text from (x, y), clipped to `limit` columns (and the buffer); returns the columns used. A control
    /// character shows as "?": a cell never carries a command to the terminal.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard y >= 0 && y < height else { return 0 }
        let end = min(width, x + (limit ?? width))
        var column = x
        for character in text where column < end {
            let shown: Character = character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "?" : character
            if column >= 0 { self[column, y] = Cell(shown, style: style) }
            column += 1
        }
        return column - x
    }

    /// The rows as plain text (symbols only), for tests and logs.
    public var lines: [String] {
        (0..<height).map { y in String((0..<width).map { self[$0, y].symbol }) }
    }

    /// Cells that differ from `previous` (everything when the sizes differ), in reading order.
    public func changes(since previous: CellBuffer?) -> [(x: Int, y: Int, cell: Cell)] {
        var out: [(Int, Int, Cell)] = []
        let sameSize = previous.map { $0.width == width && $0.height == height } ?? false
        for y in 0..<height {
            for x in 0..<width {
                let cell = cells[y * width + x]
                if !sameSize || previous!.cells[y * width + x] != cell { out.append((x, y, cell)) }
            }
        }
        return out
    }
}
