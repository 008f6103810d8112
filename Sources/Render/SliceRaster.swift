// A slice drawn into square screen pixels (two per cell, one above the other): fitted by its physical size,
// zoomed and panned around a centre, windowed to grey, with labels blended on top or outlined.

import Cells
import Volume

public struct Viewport: Hashable, Sendable {
    /// 1 = the whole slice fits the view.
    public var zoom: Double
    /// The slice point (column, row in slice pixels, continuous) at the view's centre; nil = the slice's centre.
    public var center: (Double, Double)?

    public init(zoom: Double = 1, center: (Double, Double)? = nil) {
        self.zoom = zoom
        self.center = center
    }

    public static func == (a: Viewport, b: Viewport) -> Bool {
        a.zoom == b.zoom && a.center?.0 == b.center?.0 && a.center?.1 == b.center?.1
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(zoom)
        hasher.combine(center?.0)
        hasher.combine(center?.1)
    }
}

public enum OverlayMode: String, Sendable, CaseIterable {
    case fill, outline, hidden
}

/// Where screen pixels fall on a slice.
public struct SliceMapping: Sendable {
    public var width: Int, height: Int
    /// Slice pixels per screen pixel, horizontally and vertically.
    public var stepU: Double, stepV: Double
    /// Slice coordinate of screen pixel (0, 0)'s centre.
    public var originU: Double, originV: Double

    public init(slice geometry: PlaneGeometry, width: Int, height: Int, viewport: Viewport) {
        self.width = width
        self.height = height
        let sliceWidthMM = Double(geometry.width) * geometry.pixelWidthMM
        let sliceHeightMM = Double(geometry.height) * geometry.pixelHeightMM
        // Square screen pixels; the slice's physical size decides the fit, not its voxel count.
        let mmPerPixel = max(sliceWidthMM / Double(max(width, 1)), sliceHeightMM / Double(max(height, 1))) / max(viewport.zoom, 1e-3)
        stepU = mmPerPixel / geometry.pixelWidthMM
        stepV = mmPerPixel / geometry.pixelHeightMM
        let centre = viewport.center ?? (Double(geometry.width) / 2, Double(geometry.height) / 2)
        originU = centre.0 - Double(width) / 2 * stepU + stepU / 2
        originV = centre.1 - Double(height) / 2 * stepV + stepV / 2
    }

    /// The slice pixel under a screen pixel, or nil outside the slice.
    public func slicePixel(x: Int, y: Int, sliceWidth: Int, sliceHeight: Int) -> (column: Int, row: Int)? {
        let u = originU + Double(x) * stepU, v = originV + Double(y) * stepV
        let c = Int(u.rounded(.down)), r = Int(v.rounded(.down))
        guard u >= 0, v >= 0, c < sliceWidth, r < sliceHeight else { return nil }
        return (c, r)
    }

    /// Which slice column each screen column shows (nearest), -1 outside the slice.
    public func sliceColumns(_ sliceWidth: Int) -> [Int] {
        (0..<width).map { x in
            let u = originU + Double(x) * stepU
            return u >= 0 && Int(u) < sliceWidth ? Int(u) : -1
        }
    }

    /// Which slice row each screen row shows (nearest), -1 outside the slice.
    public func sliceRows(_ sliceHeight: Int) -> [Int] {
        (0..<height).map { y in
            let v = originV + Double(y) * stepV
            return v >= 0 && Int(v) < sliceHeight ? Int(v) : -1
        }
    }

    /// The screen pixel showing a slice pixel's centre.
    public func screenPixel(column: Int, row: Int) -> (x: Int, y: Int) {
        (Int(((Double(column) + 0.5 - originU) / stepU + 0.5).rounded(.down)), Int(((Double(row) + 0.5 - originV) / stepV + 0.5).rounded(.down)))
    }
}

public struct SliceRaster: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [RGB]
    public var mapping: SliceMapping

    /// Draws `image` (and `labels`, on the same plane) into `width` × `height` screen pixels.
    public init(image: Slice<Float>, labels: Slice<UInt16>? = nil, window: WindowLevel, palette: LabelPalette,
                overlay: OverlayMode = .fill, opacity: Double = 0.45, width: Int, height: Int,
                viewport: Viewport = Viewport(), background: RGB = RGB(gray: 0)) {
        self.width = width
        self.height = height
        let mapping = SliceMapping(slice: image.geometry, width: width, height: height, viewport: viewport)
        self.mapping = mapping
        var pixels = [RGB](repeating: background, count: width * height)
        let columns = mapping.sliceColumns(image.width), rows = mapping.sliceRows(image.height)
        for y in 0..<height where rows[y] >= 0 {
            let base = rows[y] * image.width
            for x in 0..<width where columns[x] >= 0 {
                pixels[y * width + x] = RGB(gray: window.gray(image.pixels[base + columns[x]]))
            }
        }
        if let labels {
            let shown = SliceRaster.labelsShown(labels, mapping: mapping, overlay: overlay)
            for n in 0..<shown.count where shown[n] != 0 {
                let color = palette.color(shown[n])
                pixels[n] = overlay == .outline ? color : Blend.over(pixels[n], color, alpha: opacity)
            }
        }
        self.pixels = pixels
    }

    /// The label under each screen pixel as the overlay shows it: all of it (fill), its edge on screen (outline),
    /// or none (hidden); 0 where nothing is shown.
    public static func labelsShown(_ labels: Slice<UInt16>, mapping: SliceMapping, overlay: OverlayMode) -> [UInt16] {
        let (width, height) = (mapping.width, mapping.height)
        guard overlay != .hidden else { return [UInt16](repeating: 0, count: width * height) }
        let columns = mapping.sliceColumns(labels.width), rows = mapping.sliceRows(labels.height)
        var labelAt = [UInt16](repeating: 0, count: width * height)
        for y in 0..<height where rows[y] >= 0 {
            let base = rows[y] * labels.width
            for x in 0..<width where columns[x] >= 0 { labelAt[y * width + x] = labels.pixels[base + columns[x]] }
        }
        guard overlay == .outline else { return labelAt }
        var edges = [UInt16](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let label = labelAt[y * width + x]
                guard label != 0 else { continue }
                // A pixel of the label's edge: a neighbour (on screen) shows another label.
                let edge = (x == 0 || labelAt[y * width + x - 1] != label) || (x == width - 1 || labelAt[y * width + x + 1] != label)
                    || (y == 0 || labelAt[(y - 1) * width + x] != label) || (y == height - 1 || labelAt[(y + 1) * width + x] != label)
                if edge { edges[y * width + x] = label }
            }
        }
        return edges
    }

    public subscript(x: Int, y: Int) -> RGB {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}

public enum Blend {
    /// `top` over `bottom` with opacity `alpha`, rounded per channel.
    @inline(__always)
    public static func over(_ bottom: RGB, _ top: RGB, alpha: Double) -> RGB {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - alpha) + Double(b) * alpha).rounded()) }
        return RGB(mix(bottom.r, top.r), mix(bottom.g, top.g), mix(bottom.b, top.b))
    }
}

/// Label colours by value; the default is the Okabe–Ito palette, readable by colour-blind users.
public struct LabelPalette: Sendable, Equatable {
    public var colors: [RGB]
    /// Colours chosen for particular labels (stored with a study), in place of the cycle.
    public var overrides: [UInt16: RGB] = [:]

    public init(colors: [RGB]) { self.colors = colors.isEmpty ? LabelPalette.okabeIto.colors : colors }

    public static let okabeIto = LabelPalette(colors: [
        RGB(230, 159, 0), RGB(86, 180, 233), RGB(0, 158, 115), RGB(240, 228, 66),
        RGB(0, 114, 178), RGB(213, 94, 0), RGB(204, 121, 167), RGB(153, 153, 153),
    ])

    /// The colour of label value `label` (1…), cycling through the palette.
    public func color(_ label: UInt16) -> RGB { overrides[label] ?? colors[(Int(label) - 1) % colors.count] }
}
