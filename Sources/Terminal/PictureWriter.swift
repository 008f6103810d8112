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

    /// The bytes that take the terminal from the pictures it shows to `pictures`: kitty's images of views that are
    /// gone are deleted (the other protocols' are wiped by rewriting their cells, see `wiped`), and each picture that
    /// changed, or sits in one of the `overwritten` slots, is sent at its rectangle's corner.
    public mutating func draw(_ pictures: [Picture], overwritten: Set<Int> = []) -> [UInt8] {
        var out: [UInt8] = []
        for (slot, old) in shown where !pictures.contains(where: { $0.slot == slot && $0.rect == old.rect }) {
            shown[slot] = nil
            if mode == .kitty { out += KittyGraphics.delete(slot: slot) }
        }
        for picture in pictures {
            let old = shown[picture.slot]
            let sameSize = old.map { $0.width == picture.width && $0.height == picture.height && $0.rect == picture.rect } ?? false
            let baseChanged = !sameSize || old!.base != picture.base
            let overlayChanged = !sameSize || old!.overlay != picture.overlay
            let rewritten = mode != .kitty && overwritten.contains(picture.slot)
            guard baseChanged || overlayChanged || rewritten else { continue }
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

    /// Slots of pictures with cells written over them by `changes`.
    public static func overwritten(_ pictures: [Picture], by changes: [(x: Int, y: Int, cell: Cell)]) -> Set<Int> {
        Set(pictures.filter { picture in changes.contains { picture.rect.contains(x: $0.x, y: $0.y) } }.map(\.slot))
    }

    /// Rectangles of pictures in `old` that `pictures` no longer has there: their cells must be written again to
    /// wipe the pixels (kitty's images are deleted instead).
    public static func wiped(mode: GraphicsMode, from old: [Int: Rect], to pictures: [Picture]) -> [Rect] {
        guard mode != .kitty else { return [] }
        return old.filter { slot, rect in !pictures.contains { $0.slot == slot && $0.rect == rect } }.map(\.value)
    }
}
