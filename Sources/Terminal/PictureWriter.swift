// Which pictures to send, and how: only a picture that changed travels. With kitty the slice and the overlay are
// two images, so an edit or a cursor step resends the overlay alone; sixel and iTerm2 have one layer, and cells
// written over a picture erase it there, so it is sent again whenever cells under it changed.

import Cells

public struct PictureWriter {
    public let mode: GraphicsMode
    private var shown: [Int: Picture] = [:]

    public init(mode: GraphicsMode) { self.mode = mode }

    /// Forgets what the terminal shows (after a repaint): every picture goes again. Kitty's images are deleted.
    public mutating func forget() -> [UInt8] {
        shown = [:]
        return mode == .kitty ? KittyGraphics.deleteAll : []
    }

    /// Before the cells are written: kitty's bytes deleting the pictures that are gone or moved, and for the other
    /// protocols the rectangles whose cells must be written again to wipe them.
    public mutating func retire(keeping pictures: [Picture]) -> (bytes: [UInt8], wipe: [Rect]) {
        var bytes: [UInt8] = [], wipe: [Rect] = []
        for (slot, old) in shown where !pictures.contains(where: { $0.slot == slot && $0.rect == old.rect }) {
            shown[slot] = nil
            if mode == .kitty { bytes += KittyGraphics.delete(slot: slot) } else { wipe.append(old.rect) }
        }
        return (bytes, wipe)
    }

    /// After the cells: the pictures that changed (or whose cells were rewritten), each at its rectangle's corner.
    public mutating func draw(_ pictures: [Picture], cellsChanged: [(x: Int, y: Int, cell: Cell)]) -> [UInt8] {
        var out: [UInt8] = []
        for picture in pictures {
            let old = shown[picture.slot]
            let overwritten = mode != .kitty && cellsChanged.contains { picture.rect.contains(x: $0.x, y: $0.y) }
            let sameSize = old.map { $0.width == picture.width && $0.height == picture.height && $0.rect == picture.rect } ?? false
            let baseChanged = !sameSize || old!.base != picture.base
            let overlayChanged = !sameSize || old!.overlay != picture.overlay
            guard baseChanged || overlayChanged || overwritten else { continue }
            let place = Array("\u{1b}[\(picture.rect.y + 1);\(picture.rect.x + 1)H".utf8)
            switch mode {
            case .kitty:
                if baseChanged { out += place + KittyGraphics.base(picture) }
                if overlayChanged { out += place + KittyGraphics.overlay(picture) }
            case .sixel: out += place + Sixel.encode(width: picture.width, height: picture.height, pixels: picture.composite)
            case .iterm2: out += place + ITermImage.encode(picture)
            case .cells: break
            }
            shown[picture.slot] = picture
        }
        return out
    }
}
