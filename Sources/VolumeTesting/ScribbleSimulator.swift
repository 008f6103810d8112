// Scribbles as an annotator would draw them, simulated from ground truth: on a few axial slices through a
// structure, a cross of strokes well inside it (foreground) and a loop just outside it (background), or that loop
// left open in a few places (strokes drawn beside the structure rather than around it). When several structures
// are scribbled together, each has its own foreground strokes, so the loops stay off them.

import Foundation
import Volume

public enum ScribbleSimulator {
    /// The angle each gap in an open loop spans, in degrees.
    public static let gapDegrees = 40.0

    /// A scribble volume for `labels` (each its own value) on `slices` axial slices, background = `backgroundValue`.
    /// `loopGaps`: each loop is left open in this many places, evenly spread around the centre of the part of the
    /// structure it goes around, each `gapDegrees` wide, turned from slice to slice.
    public static func scribbles(for truth: LabelVolume, labels: [UInt16], slices: Int = 3, backgroundValue: UInt16,
                                 insideMarginMM: Double = 3, outsideDistanceMM: Double = 5, loopGaps: Int = 0) -> LabelVolume {
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
                let open = openings(loopGaps, around: mask, width: plane.width, pixel: (plane.pixelWidthMM, plane.pixelHeightMM),
                                    turn: Double(slice) * 47)
                for p in outside.indices where abs(outside[p] - outsideDistanceMM) < step / 2 && !scribbled.contains(pixels[p]) && !open(p) {
                    let v = plane.voxel(column: p % plane.width, row: p / plane.width, slice: slice)
                    if out[v] == 0 { out[v] = backgroundValue }
                }
            }
        }
        return out
    }

    /// Whether a pixel lies in one of `gaps` sectors of `gapDegrees` around the centre (in millimetres) of the part
    /// of `mask` nearest to it (its pieces 8-connected; nearest in steps), evenly spread, the first at `turn` degrees:
    /// each part's loop is open in that many places.
    static func openings(_ gaps: Int, around mask: [Bool], width: Int, pixel: (Double, Double), turn: Double) -> (Int) -> Bool {
        guard gaps > 0, mask.contains(true) else { return { _ in false } }
        let height = mask.count / width
        func neighbours(_ p: Int) -> [Int] {
            let (x, y) = (p % width, p / width)
            return [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)].compactMap { d in
                let (a, b) = (x + d.0, y + d.1)
                return a >= 0 && b >= 0 && a < width && b < height ? a + b * width : nil
            }
        }
        // Each part of the mask, then every pixel, by a flood from all parts at once, takes its nearest part.
        var part = [Int](repeating: -1, count: mask.count), centres: [(x: Double, y: Double)] = []
        for start in mask.indices where mask[start] && part[start] < 0 {
            var members = [start], head = 0
            part[start] = centres.count
            while head < members.count {
                for q in neighbours(members[head]) where mask[q] && part[q] < 0 { part[q] = centres.count; members.append(q) }
                head += 1
            }
            centres.append((members.reduce(0.0) { $0 + Double($1 % width) } / Double(members.count),
                            members.reduce(0.0) { $0 + Double($1 / width) } / Double(members.count)))
        }
        var queue = mask.indices.filter { mask[$0] }, head = 0
        while head < queue.count {
            for q in neighbours(queue[head]) where part[q] < 0 { part[q] = part[queue[head]]; queue.append(q) }
            head += 1
        }
        let sector = 360 / Double(gaps)
        return { p in
            let centre = centres[part[p]]
            let angle = atan2((Double(p / width) - centre.y) * pixel.1, (Double(p % width) - centre.x) * pixel.0) * 180 / .pi
            let within = (angle - turn).truncatingRemainder(dividingBy: sector)
            return (within < 0 ? within + sector : within) < gapDegrees
        }
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
