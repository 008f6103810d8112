// The kitty graphics protocol (kitty, Ghostty, WezTerm): pixels sent zlib-compressed in base64 chunks, each picture
// an image id that is replaced in place, so a changed overlay travels without the slice under it. Images sit
// below the text (negative z) so that cells drawn over a view, such as the help, stay readable.

import Cells
import Foundation

public enum KittyGraphics {
    /// The id of a slot's slice image; its overlay is the next id.
    static func imageID(slot: Int, overlay: Bool) -> Int { 100 + 2 * slot + (overlay ? 1 : 0) }

    /// Transmits and places one image at the cursor (scaled to `columns` × `rows` cells), replacing any image with
    /// the same id; the cursor does not move.
    public static func place(id: Int, width: Int, height: Int, pixels: [UInt8], bytesPerPixel: Int, columns: Int, rows: Int,
                             z: Int) -> [UInt8] {
        let payload = Array(Data(Zlib.compress(pixels)).base64EncodedString().utf8)
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + payload.count / 4096 * 16 + 96)
        let first = "a=T,f=\(bytesPerPixel * 8),o=z,s=\(width),v=\(height),i=\(id),p=1,c=\(columns),r=\(rows),z=\(z),C=1,q=2"
        var offset = 0
        repeat {
            let end = min(offset + 4096, payload.count)
            let more = end < payload.count ? 1 : 0
            out += Array("\u{1b}_G\(offset == 0 ? first + "," : "")m=\(more);".utf8)
            out += payload[offset..<end]
            out += [0x1b, 0x5c]
            offset = end
        } while offset < payload.count
        return out
    }

    public static func base(_ picture: Picture) -> [UInt8] {
        var rgb = [UInt8]()
        rgb.reserveCapacity(picture.base.count * 3)
        for p in picture.base { rgb.append(p.r); rgb.append(p.g); rgb.append(p.b) }
        return place(id: imageID(slot: picture.slot, overlay: false), width: picture.width, height: picture.height, pixels: rgb,
                     bytesPerPixel: 3, columns: picture.rect.width, rows: picture.rect.height, z: -3)
    }

    /// The overlay as an RGBA image over the slice; an empty overlay deletes it.
    public static func overlay(_ picture: Picture) -> [UInt8] {
        guard picture.overlay.contains(where: { $0.a != 0 }) else { return delete(id: imageID(slot: picture.slot, overlay: true)) }
        var rgba = [UInt8]()
        rgba.reserveCapacity(picture.overlay.count * 4)
        for p in picture.overlay { rgba.append(p.r); rgba.append(p.g); rgba.append(p.b); rgba.append(p.a) }
        return place(id: imageID(slot: picture.slot, overlay: true), width: picture.width, height: picture.height, pixels: rgba,
                     bytesPerPixel: 4, columns: picture.rect.width, rows: picture.rect.height, z: -2)
    }

    public static func delete(id: Int) -> [UInt8] { Array("\u{1b}_Ga=d,d=I,i=\(id),q=2\u{1b}\\".utf8) }

    /// Both images of a slot gone.
    public static func delete(slot: Int) -> [UInt8] { delete(id: imageID(slot: slot, overlay: false)) + delete(id: imageID(slot: slot, overlay: true)) }

    /// Every image this app placed, for a full repaint.
    public static let deleteAll = Array("\u{1b}_Ga=d,d=A,q=2\u{1b}\\".utf8)

    /// The query that a terminal speaking the protocol answers with `ESC_Gi=31;OK ESC\`.
    public static let query = "\u{1b}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1b}\\"
}
