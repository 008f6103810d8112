// An image shown with real pixels (kitty graphics, sixel, iTerm2) over a rectangle of cells: the slice in `base`,
// and what changes more often (labels, seeds, the crosshair) in `overlay`, so that a protocol with layers can
// resend the overlay alone.

public struct RGBA: Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8) { (self.r, self.g, self.b, self.a) = (r, g, b, a) }
    public init(_ color: RGB, alpha: UInt8) { self.init(color.r, color.g, color.b, alpha) }
    public static let clear = RGBA(0, 0, 0, 0)
}

public struct Picture: Equatable, Sendable {
    /// Which view this is (stable while the layout stays): a protocol replaces the picture in the same slot.
    public var slot: Int
    /// The cells it covers; the picture is scaled to them where the protocol can scale.
    public var rect: Rect
    public var width: Int, height: Int
    public var base: [RGB]
    /// Drawn over `base` with its alpha; same size.
    public var overlay: [RGBA]

    public init(slot: Int, rect: Rect, width: Int, height: Int, base: [RGB], overlay: [RGBA]) {
        (self.slot, self.rect, self.width, self.height, self.base, self.overlay) = (slot, rect, width, height, base, overlay)
    }

    /// `overlay` over `base`: what a protocol without layers shows.
    public var composite: [RGB] {
        var out = base
        for n in 0..<min(out.count, overlay.count) where overlay[n].a != 0 {
            let top = overlay[n], a = Int(top.a)
            func mix(_ bottom: UInt8, _ over: UInt8) -> UInt8 { UInt8((Int(bottom) * (255 - a) + Int(over) * a + 127) / 255) }
            out[n] = RGB(mix(out[n].r, top.r), mix(out[n].g, top.g), mix(out[n].b, top.b))
        }
        return out
    }
}

/// How slices reach the screen: an image protocol, or half-block cells (everywhere, and the fallback).
public enum GraphicsMode: String, Sendable, CaseIterable {
    case kitty, sixel, iterm2, cells

    /// Whether the terminal draws the picture scaled to its cells (so it may be sent at less than screen resolution).
    public var scales: Bool { self == .kitty || self == .iterm2 }
}
