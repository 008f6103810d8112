// iTerm2's inline images (iTerm2, WezTerm, VS Code's terminal): a PNG in base64 inside OSC 1337, scaled by the
// terminal to the cells given; the cursor stays where it was.

import Cells
import Foundation

public enum ITermImage {
    public static func encode(_ picture: Picture) -> [UInt8] {
        let png = PNG.encode(width: picture.width, height: picture.height, rgb: picture.composite)
        let head = "\u{1b}]1337;File=inline=1;size=\(png.count);width=\(picture.rect.width);height=\(picture.rect.height);"
            + "preserveAspectRatio=0;doNotMoveCursor=1:"
        return Array(head.utf8) + Array(Data(png).base64EncodedString().utf8) + [0x07]
    }
}
