// Scribbles as an annotator would draw them, simulated from ground truth: on a few axial slices through a
// structure, a cross of strokes well inside it (foreground) and a loop just outside it (background). When
// several structures are scribbled together, each has its own foreground strokes, so the loops stay off them.

import Volume

public enum ScribbleSimulator {
    /// A scribble volume for `labels` (each its own value) on `slices` axial slices, background = `backgroundValue`.
    public static func scribbles(for truth: LabelVolume, labels: [UInt16], slices: Int = 3, backgroundValue: UInt16,
                                 insideMarginMM: Double = 3, outsideDistanceMM: Double = 5) -> LabelVolume {
        let scribbled = Set(labels)
        var out = LabelVolume(grid: truth.grid)
        let plane = PlaneGeometry(grid: truth.grid, plane: .axial)
        for label in labels {
            let present = (0..<plane.depth).filter { k in plane.extract(truth.voxels, grid: truth.grid, slice: k).contains(label) }
            guard let first = present.first, let last = present.last else { continue }
            // Evenly spread over the structure, the outer ones near its ends (1/6, 1/2, 5/6 for three).
            let chosen = (0..<slices).map { n in first + Int((Double(last - first) * (Double(n) + 0.5) / Double(slices)).rounded()) }
            for slice in Set(chosen) {
                let pixels = plane.extract(truth.voxels, grid: truth.grid, slice: slice)
                let mask = pixels.map { $0 == label }
                let inside = distanceInside(mask, width: plane.width, height: plane.height,
                                            pixel: (plane.pixelWidthMM, plane.pixelHeightMM), edgeIsInside: false)
                let outside = distanceInside(mask.map { !$0 }, width: plane.width, height: plane.height,
                                             pixel: (plane.pixelWidthMM, plane.pixelHeightMM), edgeIsInside: true)
                // Foreground: the row and column through the centre of the deep part.
                let deep = inside.indices.filter { inside[$0] >= insideMarginMM }
                let core = deep.isEmpty ? mask.indices.filter { mask[$0] } : deep
                guard !core.isEmpty else { continue }
                let centreColumn = core.map { $0 % plane.width }.sorted()[core.count / 2]
                let centreRow = core.map { $0 / plane.width }.sorted()[core.count / 2]
                for p in core where p % plane.width == centreColumn || p / plane.width == centreRow {
                    out[plane.voxel(column: p % plane.width, row: p / plane.width, slice: slice)] = label
                }
                // Background: a loop at about `outsideDistanceMM` outside, off the structures being scribbled.
                let step = max(plane.pixelWidthMM, plane.pixelHeightMM)
                for p in outside.indices where abs(outside[p] - outsideDistanceMM) < step / 2 && !scribbled.contains(pixels[p]) {
                    let v = plane.voxel(column: p % plane.width, row: p / plane.width, slice: slice)
                    if out[v] == 0 { out[v] = backgroundValue }
                }
            }
        }
        return out
    }

    /// Distance in millimetres from each set pixel to the nearest unset one (0 for unset pixels), by a
    /// two-pass chamfer transform. Beyond the slice's edge counts as set when `edgeIsInside`, else as unset.
    static func distanceInside(_ mask: [Bool], width: Int, height: Int, pixel: (Double, Double), edgeIsInside: Bool) -> [Double] {
        let big = 1e9
        var d = mask.map { $0 ? big : 0 }
        let dx = pixel.0, dy = pixel.1, dd = (dx * dx + dy * dy).squareRoot()
        let beyond = edgeIsInside ? big : 0
        func at(_ x: Int, _ y: Int) -> Double { x < 0 || y < 0 || x >= width || y >= height ? beyond : d[y * width + x] }
        for y in 0..<height { for x in 0..<width where d[y * width + x] > 0 {
            d[y * width + x] = min(d[y * width + x], at(x - 1, y) + dx, at(x, y - 1) + dy, at(x - 1, y - 1) + dd, at(x + 1, y - 1) + dd)
        } }
        for y in stride(from: height - 1, through: 0, by: -1) { for x in stride(from: width - 1, through: 0, by: -1) where d[y * width + x] > 0 {
            d[y * width + x] = min(d[y * width + x], at(x + 1, y) + dx, at(x, y + 1) + dy, at(x + 1, y + 1) + dd, at(x - 1, y + 1) + dd)
        } }
        return d
    }
}
