// Downgrading 24-bit colour for terminals that have less: 256 colours with a 4×4 ordered (Bayer) dither fixed in
// screen space (so it does not crawl as slices change), or the 16 theme colours as best effort: greys dithered over
// their four greys, other colours to the nearest hue. Image pixels
// never use palette entries 0–15, whose colours depend on the user's theme.

import Cells

public enum ColorQuantizer {
    /// The 30 grey levels of the 256-colour palette: the ramp 232–255 and the cube's diagonal, sorted.
    static let grays: [(level: Int, index: UInt8)] = {
        var list = (0..<24).map { (8 + 10 * $0, UInt8(232 + $0)) }
        let cube = [0, 95, 135, 175, 215, 255]
        for (n, level) in cube.enumerated() { list.append((level, UInt8(16 + 36 * n + 6 * n + n))) }
        return list.sorted { $0.0 < $1.0 }
    }()
    static let cubeLevels = [0, 95, 135, 175, 215, 255]
    static let bayer: [Int] = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5]

    /// Threshold in (0, 1) for screen pixel (x, y).
    @inline(__always)
    static func threshold(_ x: Int, _ y: Int) -> Double { (Double(bayer[(y & 3) * 4 + (x & 3)]) + 0.5) / 16 }

    /// The palette grey for grey level `v`: of the two levels around it, the upper where v's place between them
    /// passes the dither threshold.
    static func dithered(_ v: Int, over levels: [(level: Int, index: UInt8)], threshold: Double) -> UInt8 {
        var upper = 0
        while upper < levels.count - 1 && levels[upper].level < v { upper += 1 }
        guard upper > 0 && levels[upper].level != v else { return levels[upper].index }
        let a = levels[upper - 1], b = levels[upper]
        return Double(v - a.level) / Double(b.level - a.level) > threshold ? b.index : a.index
    }

    /// A 256-colour index for a colour at screen pixel (x, y).
    public static func index256(_ color: RGB, x: Int, y: Int) -> UInt8 {
        let t = threshold(x, y)
        if color.r == color.g && color.g == color.b { return dithered(Int(color.r), over: grays, threshold: t) }
        func channel(_ value: UInt8) -> Int {
            let v = Int(value)
            var upper = 0
            while upper < 5 && cubeLevels[upper] < v { upper += 1 }
            guard upper > 0 && cubeLevels[upper] != v else { return upper }
            return Double(v - cubeLevels[upper - 1]) / Double(cubeLevels[upper] - cubeLevels[upper - 1]) > t ? upper : upper - 1
        }
        return UInt8(16 + 36 * channel(color.r) + 6 * channel(color.g) + channel(color.b))
    }

    /// The colour a 256-colour index stands for (16–255).
    public static func rgb(of index: UInt8) -> RGB {
        if index >= 232 { return RGB(gray: UInt8(8 + 10 * (Int(index) - 232))) }
        let n = Int(index) - 16
        return RGB(UInt8(cubeLevels[n / 36]), UInt8(cubeLevels[n / 6 % 6]), UInt8(cubeLevels[n % 6]))
    }

    /// Typical values of the 16 theme colours (xterm's), for a best-effort nearest match.
    static let sixteen: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]
    /// The four greys of the 16 (black, bright black, white, bright white), darkest first.
    static let sixteenGrays: [(level: Int, index: UInt8)] = [(0, 0), (127, 8), (229, 7), (255, 15)]
    static let sixteenHues: [Int] = [1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14]

    /// A 16-colour index for a colour at screen pixel (x, y): a grey is dithered over the four greys (so that a slice
    /// keeps its shades), any other colour is the nearest hue (so that a label stays a colour, never a grey).
    public static func index16(_ color: RGB, x: Int, y: Int) -> UInt8 {
        if color.r == color.g && color.g == color.b { return dithered(Int(color.r), over: sixteenGrays, threshold: threshold(x, y)) }
        var best = sixteenHues[0], bestDistance = Int.max
        for n in sixteenHues {
            let c = sixteen[n]
            let d = (Int(c.r) - Int(color.r)) * (Int(c.r) - Int(color.r)) + (Int(c.g) - Int(color.g)) * (Int(c.g) - Int(color.g))
                + (Int(c.b) - Int(color.b)) * (Int(c.b) - Int(color.b))
            if d < bestDistance { bestDistance = d; best = n }
        }
        return UInt8(best)
    }

    /// The cells of a buffer with every RGB colour brought to `depth`; (x, y) picks the dither for image cells,
    /// whose two half-block pixels sit at rows 2y and 2y + 1.
    public static func downgrade(_ buffer: CellBuffer, to depth: ColorDepth) -> CellBuffer {
        guard depth != .truecolor else { return buffer }
        var out = buffer
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                var cell = buffer[x, y]
                func convert(_ color: Color, row: Int) -> Color {
                    guard case .rgb(let rgb) = color else { return color }
                    return .indexed(depth == .palette256 ? index256(rgb, x: x, y: row) : index16(rgb, x: x, y: row))
                }
                cell.style.foreground = convert(cell.style.foreground, row: 2 * y)
                cell.style.background = convert(cell.style.background, row: 2 * y + 1)
                out[x, y] = cell
            }
        }
        return out
    }
}
