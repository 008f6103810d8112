// Rectangles of cells and the arithmetic of layouts (kept apart from drawing).

public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, max(0, width), max(0, height))
    }

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && py >= y && px < maxX && py < maxY }

    public func inset(by n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }

    /// The first `count` rows, and the rest.
    public func splitTop(_ count: Int) -> (Rect, Rect) {
        let top = min(max(count, 0), height)
        return (Rect(x: x, y: y, width: width, height: top), Rect(x: x, y: y + top, width: width, height: height - top))
    }

    /// The last `count` rows, and the rest above them.
    public func splitBottom(_ count: Int) -> (rest: Rect, bottom: Rect) {
        let bottom = min(max(count, 0), height)
        return (Rect(x: x, y: y, width: width, height: height - bottom), Rect(x: x, y: maxY - bottom, width: width, height: bottom))
    }

    /// The first `count` columns, and the rest.
    public func splitLeft(_ count: Int) -> (Rect, Rect) {
        let left = min(max(count, 0), width)
        return (Rect(x: x, y: y, width: left, height: height), Rect(x: x + left, y: y, width: width - left, height: height))
    }

    /// `parts` columns of (nearly) equal width.
    public func columns(_ parts: Int) -> [Rect] {
        (0..<parts).map { n in
            let a = x + width * n / parts, b = x + width * (n + 1) / parts
            return Rect(x: a, y: y, width: b - a, height: height)
        }
    }
}
