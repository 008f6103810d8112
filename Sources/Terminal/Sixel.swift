// Sixel (xterm -ti vt340, foot, mlterm, WezTerm, mintty, Windows Terminal): six rows of pixels per band, one
// palette of at most 256 colours, runs of equal columns compressed. The palette is 64 greys plus the colours the
// overlay uses, quantised to the 6×6×6 cube, so that a CT slice stays small and labels keep their hue.

import Cells
import Dispatch
import Parallelism

public enum Sixel {
    static let grayLevels = 64

    /// The palette index of every pixel and the palette (RGB), at most 256 entries.
    static func quantize(_ pixels: [RGB]) -> (indices: [UInt8], palette: [RGB]) {
        // Cube entries in use, in order of first appearance, after the greys.
        var cubeSlot = [Int16](repeating: -1, count: 216)
        var palette = (0..<grayLevels).map { RGB(gray: UInt8(($0 * 255 + (grayLevels - 1) / 2) / (grayLevels - 1))) }
        var indices = [UInt8](repeating: 0, count: pixels.count)
        func level6(_ v: UInt8) -> Int { (Int(v) * 5 + 127) / 255 }
        for (n, p) in pixels.enumerated() {
            if p.r == p.g && p.g == p.b {
                indices[n] = UInt8((Int(p.r) * (grayLevels - 1) + 127) / 255)
                continue
            }
            let cube = 36 * level6(p.r) + 6 * level6(p.g) + level6(p.b)
            if cubeSlot[cube] < 0 {
                if palette.count < 256 {
                    cubeSlot[cube] = Int16(palette.count)
                    palette.append(RGB(UInt8(level6(p.r) * 51), UInt8(level6(p.g) * 51), UInt8(level6(p.b) * 51)))
                } else {
                    // Out of entries: the nearest grey keeps the picture readable.
                    let mean: Int = (Int(p.r) + Int(p.g) + Int(p.b)) / 3
                    indices[n] = UInt8((mean * (grayLevels - 1) + 127) / 255)
                    continue
                }
            }
            indices[n] = UInt8(cubeSlot[cube])
        }
        return (indices, palette)
    }

    /// The DCS sequence drawing `pixels` (width × height) at the cursor.
    public static func encode(width: Int, height: Int, pixels: [RGB]) -> [UInt8] {
        let (indices, palette) = quantize(pixels)
        var out = Array("\u{1b}P0;1;0q\"1;1;\(width);\(height)".utf8)
        for (n, c) in palette.enumerated() {
            out += Array("#\(n);2;\(Int(c.r) * 100 / 255);\(Int(c.g) * 100 / 255);\(Int(c.b) * 100 / 255)".utf8)
        }
        let bands = (height + 5) / 6
        var encoded = [[UInt8]](repeating: [], count: bands)
        // Bands are independent: encode them on all cores, then join in order.
        encoded.withUnsafeMutableBufferPointer { slots in
            let slots = UncheckedBox(slots)
            DispatchQueue.concurrentPerform(iterations: bands) { band in
                slots.value[band] = encodeBand(band, width: width, height: height, indices: indices, colors: palette.count)
            }
        }
        for band in encoded { out += band }
        out += [0x1b, 0x5c]
        return out
    }

    /// One band: for each colour in it, the sixels of its columns, run-length encoded, `$` back to the band's start,
    /// `-` to the next band.
    static func encodeBand(_ band: Int, width: Int, height: Int, indices: [UInt8], colors: Int) -> [UInt8] {
        var bits = [UInt8](repeating: 0, count: colors * width)
        var first = [Int](repeating: Int.max, count: colors), last = [Int](repeating: -1, count: colors)
        let top = band * 6
        for row in 0..<min(6, height - top) {
            let base = (top + row) * width
            for x in 0..<width {
                let c = Int(indices[base + x])
                bits[c * width + x] |= UInt8(1 << row)
                if x < first[c] { first[c] = x }
                if x > last[c] { last[c] = x }
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(width * 2)
        var started = false
        for c in 0..<colors where last[c] >= 0 {
            if started { out.append(UInt8(ascii: "$")) }
            started = true
            out += Array("#\(c)".utf8)
            // Columns before the colour's first one are empty sixels ('?').
            var x = 0
            while x <= last[c] {
                let value = x < first[c] ? 0 : bits[c * width + x]
                var run = 1
                while x + run <= last[c] && (x + run < first[c] ? 0 : bits[c * width + x + run]) == value { run += 1 }
                let symbol = 63 + value
                if run > 3 { out += Array("!\(run)".utf8); out.append(symbol) } else { for _ in 0..<run { out.append(symbol) } }
                x += run
            }
        }
        out.append(UInt8(ascii: "-"))
        return out
    }
}
