// Decoders of what the image protocols carry, for tests: a sixel sequence back into pixels, kitty's chunks back into
// the image bytes and their keys, an iTerm2 inline PNG back into pixels.

import CDeflate
import Cells
import Foundation

public enum PictureDecoder {
    /// Pixels of a sixel DCS sequence (nil where no sixel painted), with its raster size.
    public static func sixel(_ bytes: [UInt8]) -> (width: Int, height: Int, pixels: [RGB?])? {
        guard let q = bytes.firstIndex(of: UInt8(ascii: "q")) else { return nil }
        var palette: [Int: RGB] = [:]
        var (width, height) = (0, 0)
        var painted: [Int: RGB] = [:]
        var (x, band, color) = (0, 0, 0)
        var n = q + 1
        func number() -> Int {
            var value = 0
            while n < bytes.count, bytes[n] >= 48, bytes[n] <= 57 { value = value * 10 + Int(bytes[n] - 48); n += 1 }
            return value
        }
        while n < bytes.count {
            let byte = bytes[n]
            switch byte {
            case UInt8(ascii: "\""):
                n += 1
                var parts: [Int] = [number()]
                while n < bytes.count, bytes[n] == UInt8(ascii: ";") { n += 1; parts.append(number()) }
                if parts.count == 4 { (width, height) = (parts[2], parts[3]) }
            case UInt8(ascii: "#"):
                n += 1
                var parts: [Int] = [number()]
                while n < bytes.count, bytes[n] == UInt8(ascii: ";") { n += 1; parts.append(number()) }
                color = parts[0]
                if parts.count == 5 {
                    func level(_ percent: Int) -> UInt8 { UInt8((percent * 255 + 50) / 100) }
                    palette[color] = RGB(level(parts[2]), level(parts[3]), level(parts[4]))
                }
            case UInt8(ascii: "$"): x = 0; n += 1
            case UInt8(ascii: "-"): x = 0; band += 1; n += 1
            case UInt8(ascii: "!"):
                n += 1
                let count = number()
                paint(bytes[n], count: count)
                n += 1
            case 63...126:
                paint(byte, count: 1)
                n += 1
            case 0x1b: n = bytes.count
            default: n += 1
            }
        }
        func paint(_ symbol: UInt8, count: Int) {
            let bits = Int(symbol) - 63
            for _ in 0..<count {
                for row in 0..<6 where bits & (1 << row) != 0 { painted[(band * 6 + row) * 100_000 + x] = palette[color] }
                x += 1
            }
        }
        var pixels = [RGB?](repeating: nil, count: width * height)
        for (key, rgb) in painted where key / 100_000 < height && key % 100_000 < width { pixels[key / 100_000 * width + key % 100_000] = rgb }
        return (width, height, pixels)
    }

    /// Each kitty graphics command (chunks joined): its keys and its payload, base64-decoded and, with o=z, inflated.
    public static func kitty(_ bytes: [UInt8]) -> [(keys: [String: String], payload: [UInt8])] {
        let text = String(decoding: bytes, as: UTF8.self)
        var commands: [(keys: [String: String], payload: [UInt8])] = []
        var keys: [String: String] = [:], data = ""
        for piece in text.components(separatedBy: "\u{1b}_G").dropFirst() {
            guard let end = piece.range(of: "\u{1b}\\") else { continue }
            let body = piece[..<end.lowerBound]
            let (control, payload) = body.firstIndex(of: ";").map { (body[..<$0], body[body.index(after: $0)...]) } ?? (body, "")
            var chunkKeys: [String: String] = [:]
            for pair in control.split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { chunkKeys[String(kv[0])] = String(kv[1]) }
            }
            if data.isEmpty && keys.isEmpty { keys = chunkKeys } else { keys.merge(chunkKeys) { old, _ in old } }
            data += payload
            if chunkKeys["m"] != "1" {
                var decoded = [UInt8](Data(base64Encoded: data) ?? Data())
                if keys["o"] == "z" { decoded = inflate(decoded) ?? [] }
                commands.append((keys, decoded))
                (keys, data) = ([:], "")
            }
        }
        return commands
    }

    /// Pixels of an iTerm2 inline image (8-bit RGB PNG, unfiltered rows), with the OSC's arguments.
    public static func iterm2(_ bytes: [UInt8]) -> (arguments: String, width: Int, height: Int, pixels: [RGB])? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let start = text.range(of: "\u{1b}]1337;File="), let colon = text[start.upperBound...].firstIndex(of: ":"),
              let bell = text[colon...].firstIndex(of: "\u{07}"),
              let png = Data(base64Encoded: String(text[text.index(after: colon)..<bell])).map({ [UInt8]($0) }) else { return nil }
        var offset = 8, width = 0, height = 0, idat: [UInt8] = []
        func word(_ at: Int) -> Int { Int(png[at]) << 24 | Int(png[at + 1]) << 16 | Int(png[at + 2]) << 8 | Int(png[at + 3]) }
        while offset + 8 <= png.count {
            let length = word(offset)
            let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = Array(png[(offset + 8)..<(offset + 8 + length)])
            if type == "IHDR" { (width, height) = (word(offset + 8), word(offset + 12)) }
            if type == "IDAT" { idat += body }
            offset += 12 + length
        }
        guard let raw = inflate(idat), raw.count == (width * 3 + 1) * height else { return nil }
        var pixels: [RGB] = []
        for y in 0..<height {
            let row = y * (width * 3 + 1) + 1
            for x in 0..<width { pixels.append(RGB(raw[row + 3 * x], raw[row + 3 * x + 1], raw[row + 3 * x + 2])) }
        }
        return (String(text[start.upperBound..<colon]), width, height, pixels)
    }

    /// A zlib stream's content (up to 64 MB).
    public static func inflate(_ bytes: [UInt8]) -> [UInt8]? {
        guard let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        var out = [UInt8](repeating: 0, count: 64 << 20)
        var size = 0
        let result = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { libdeflate_zlib_decompress(decompressor, input.baseAddress, input.count, $0.baseAddress, $0.count, &size) }
        }
        return result == LIBDEFLATE_SUCCESS ? Array(out.prefix(size)) : nil
    }
}
