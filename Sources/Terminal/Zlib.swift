// zlib streams (RFC 1950) through libdeflate: kitty's `o=z` payloads and PNG's IDAT.

import CDeflate
import Cells

enum Zlib {
    /// `bytes` compressed as one zlib stream; level 1 (fast) suits frames that are sent once.
    static func compress(_ bytes: [UInt8], level: Int32 = 1) -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(level) else { return stored(bytes) }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, bytes.count)
        var out = [UInt8](repeating: 0, count: bound)
        let size = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { libdeflate_zlib_compress(compressor, input.baseAddress, input.count, $0.baseAddress, $0.count) }
        }
        guard size > 0 else { return stored(bytes) }
        return Array(out.prefix(size))
    }

    /// Uncompressed zlib (stored blocks), should libdeflate have no memory for a compressor.
    static func stored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65_535, bytes.count - offset)
            let last: UInt8 = offset + count == bytes.count ? 1 : 0
            out += [last, UInt8(count & 0xff), UInt8(count >> 8), UInt8(~count & 0xff), UInt8((~count >> 8) & 0xff)]
            out += bytes[offset..<offset + count]
            offset += count
        } while offset < bytes.count
        let adler = adler32(bytes)
        return out + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xff), UInt8((adler >> 8) & 0xff), UInt8(adler & 0xff)]
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { libdeflate_adler32(1, $0.baseAddress, $0.count) } }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 { bytes.withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) } }
}

/// A PNG (8-bit RGB or RGBA, no filter), for iTerm2's inline images.
enum PNG {
    static func encode(width: Int, height: Int, rgb: [RGB]) -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                let p = rgb[y * width + x]
                raw.append(p.r); raw.append(p.g); raw.append(p.b)
            }
        }
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]
        var out: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
        chunk("IHDR", header, into: &out)
        chunk("IDAT", Zlib.compress(raw, level: 3), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        out += bigEndian(UInt32(data.count))
        let start = out.count
        out += Array(type.utf8) + data
        out += bigEndian(Zlib.crc32(out[start...]))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)] }
}
