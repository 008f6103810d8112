// Box and lasso prompts, as nnInteractive offers them, turned into seeds on the slice they were drawn on:
// - a box (two opposite corners on one slice): the structure lies inside; a band around the box on that slice is
//   background and the box's centre is a positive click;
// - a lasso (a closed stroke on one slice): its inside is the structure on that slice (a voxel in from its edge,
//   where the stroke is rarely exact) and a band around it is background.

import Foundation
import Volume

public enum SlicePrompt {
    /// The width of the background band around a box or lasso, in millimetres.
    public static let bandMM = 5.0

    /// Seeds from a box with corners `a` and `b`, which share the index along the slice's axis.
    public static func box(_ a: VoxelIndex, _ b: VoxelIndex, label: UInt16 = 1, clickRadiusMM: Double = 3, grid: Grid) throws -> Seeds {
        guard grid.contains(a), grid.contains(b) else {
            throw SegmentationError.badPrompt("the box's corners \(a) and \(b) must lie in the image \(grid.shape)")
        }
        let axis = try sliceAxis([a, b], what: "a box's corners")
        let lower = VoxelIndex(min(a.i, b.i), min(a.j, b.j), min(a.k, b.k))
        let upper = VoxelIndex(max(a.i, b.i), max(a.j, b.j), max(a.k, b.k))
        let centre = VoxelIndex((lower.i + upper.i) / 2, (lower.j + upper.j) / 2, (lower.k + upper.k) / 2)
        let inside: (VoxelIndex) -> Bool = { v in (0..<3).allSatisfy { v[$0] >= lower[$0] && v[$0] <= upper[$0] } }
        return Seeds(foreground: [label: Seeds.balls(around: [centre], radiusMM: clickRadiusMM, grid: grid).filter { $0[axis] == a[axis] }],
                     background: band(around: lower, upper, axis: axis, grid: grid, inside: inside))
    }

    /// Seeds from a lasso through `points` (closed from the last point to the first), all on one slice.
    public static func lasso(_ points: [VoxelIndex], label: UInt16 = 1, grid: Grid) throws -> Seeds {
        guard points.count >= 3 else { throw SegmentationError.badPrompt("a lasso needs at least 3 points, got \(points.count)") }
        for p in points where !grid.contains(p) {
            throw SegmentationError.badPrompt("the lasso's point \(p) lies outside the image \(grid.shape)")
        }
        let axis = try sliceAxis(points, what: "a lasso's points")
        let (u, w) = axis == 0 ? (1, 2) : (axis == 1 ? (0, 2) : (0, 1))
        let polygon = points.map { (Double($0[u]), Double($0[w])) }
        // Even–odd rule at the voxel's centre.
        func enclosed(_ x: Double, _ y: Double) -> Bool {
            var inside = false
            var previous = polygon[polygon.count - 1]
            for current in polygon {
                if (current.1 > y) != (previous.1 > y) {
                    let crossing = previous.0 + (y - previous.1) / (current.1 - previous.1) * (current.0 - previous.0)
                    if x < crossing { inside.toggle() }
                }
                previous = current
            }
            return inside
        }
        let lower = VoxelIndex(points.map(\.i).min()!, points.map(\.j).min()!, points.map(\.k).min()!)
        let upper = VoxelIndex(points.map(\.i).max()!, points.map(\.j).max()!, points.map(\.k).max()!)
        let inside: (VoxelIndex) -> Bool = { v in enclosed(Double(v[u]), Double(v[w])) }
        // The structure: enclosed voxels whose four in-slice neighbours are enclosed too.
        var structure: [VoxelIndex] = []
        for a in lower[u]...upper[u] { for b in lower[w]...upper[w] {
            var v = lower
            v[u] = a; v[w] = b
            var neighbours = [v, v, v, v]
            neighbours[0][u] -= 1; neighbours[1][u] += 1; neighbours[2][w] -= 1; neighbours[3][w] += 1
            if inside(v) && neighbours.allSatisfy(inside) { structure.append(v) }
        } }
        guard !structure.isEmpty else { throw SegmentationError.badPrompt("the lasso encloses no voxel") }
        return Seeds(foreground: [label: structure], background: band(around: lower, upper, axis: axis, grid: grid, inside: inside))
    }

    /// The axis along which every point has the same index (the slice's), or an error.
    static func sliceAxis(_ points: [VoxelIndex], what: String) throws -> Int {
        let flat = (0..<3).filter { axis in points.allSatisfy { $0[axis] == points[0][axis] } }
        // Flat along a second axis too, it is a line.
        guard flat.count == 1 else {
            throw SegmentationError.badPrompt(flat.isEmpty ? "\(what) must lie on one slice (share one index)"
                                              : "\(what) span no area on their slice")
        }
        return flat[0]
    }

    /// Voxels of the slice outside the shape (`inside`) within `bandMM` of its bounding box.
    static func band(around lower: VoxelIndex, _ upper: VoxelIndex, axis: Int, grid: Grid, inside: (VoxelIndex) -> Bool) -> [VoxelIndex] {
        var out: [VoxelIndex] = []
        let reach = (0..<3).map { $0 == axis ? 0 : max(1, Int((bandMM / grid.spacingMM[$0]).rounded(.up))) }
        let from = (0..<3).map { max(lower[$0] - reach[$0], 0) }, to = (0..<3).map { min(upper[$0] + reach[$0], grid.shape[$0] - 1) }
        for k in from[2]...to[2] { for j in from[1]...to[1] { for i in from[0]...to[0] {
            let v = VoxelIndex(i, j, k)
            if !inside(v) { out.append(v) }
        } } }
        return out
    }
}
