// Connected components on a voxel grid (6-connected), for post-processing masks: keep the components that hold
// a foreground seed, fill enclosed holes.

public enum Components {
    /// Component number (1…) of every set voxel, 0 elsewhere, and the voxel count of each component.
    public static func label(_ mask: [Bool], shape: [Int]) -> (labels: [Int32], sizes: [Int]) {
        var labels = [Int32](repeating: 0, count: mask.count)
        var sizes = [0]
        // The flood's stack holds each voxel with its coordinates, so that the flood needs no divisions.
        var stack: [SIMD4<Int32>] = []
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        let (si, sj) = (ni, ni * nj)
        labels.withUnsafeMutableBufferPointer { labels in
            mask.withUnsafeBufferPointer { mask in
                for start in 0..<mask.count where mask[start] && labels[start] == 0 {
                    let id = Int32(sizes.count)
                    labels[start] = id
                    stack.append(SIMD4(Int32(start), Int32(start % ni), Int32((start / ni) % nj), Int32(start / sj)))
                    var size = 0
                    while let v = stack.popLast() {
                        size += 1
                        let p = Int(v[0]), i = Int(v[1]), j = Int(v[2]), k = Int(v[3])
                        if i > 0, mask[p - 1], labels[p - 1] == 0 {
                            labels[p - 1] = id; stack.append(SIMD4(v[0] - 1, v[1] - 1, v[2], v[3]))
                        }
                        if i < ni - 1, mask[p + 1], labels[p + 1] == 0 {
                            labels[p + 1] = id; stack.append(SIMD4(v[0] + 1, v[1] + 1, v[2], v[3]))
                        }
                        if j > 0, mask[p - si], labels[p - si] == 0 {
                            labels[p - si] = id; stack.append(SIMD4(v[0] - Int32(si), v[1], v[2] - 1, v[3]))
                        }
                        if j < nj - 1, mask[p + si], labels[p + si] == 0 {
                            labels[p + si] = id; stack.append(SIMD4(v[0] + Int32(si), v[1], v[2] + 1, v[3]))
                        }
                        if k > 0, mask[p - sj], labels[p - sj] == 0 {
                            labels[p - sj] = id; stack.append(SIMD4(v[0] - Int32(sj), v[1], v[2], v[3] - 1))
                        }
                        if k < nk - 1, mask[p + sj], labels[p + sj] == 0 {
                            labels[p + sj] = id; stack.append(SIMD4(v[0] + Int32(sj), v[1], v[2], v[3] + 1))
                        }
                    }
                    sizes.append(size)
                }
            }
        }
        return (labels, sizes)
    }

    /// Keeps the components that contain one of `seeds` (voxel offsets); with no seed inside the mask, the largest.
    public static func keepSeeded(_ mask: [Bool], shape: [Int], seeds: [Int]) -> [Bool] {
        let (labels, sizes) = label(mask, shape: shape)
        var keep = [Bool](repeating: false, count: sizes.count)
        for s in seeds where labels[s] > 0 { keep[Int(labels[s])] = true }
        if !keep.contains(true), let largest = sizes.indices.dropFirst().max(by: { sizes[$0] < sizes[$1] }) { keep[largest] = true }
        return labels.map { keep[Int($0)] }
    }

    /// Sets the background components that do not touch the region's border and hold none of `open` (the user's
    /// background seeds: a negative click inside a structure makes a hole there, not nothing).
    static func fillHoles(_ mask: [Bool], shape: [Int], open: [Int] = []) -> [Bool] {
        let labels = label(mask.map { !$0 }, shape: shape).labels
        var outside = [Bool](repeating: false, count: Int(labels.max() ?? 0) + 1)
        outside[0] = true
        for v in open { outside[Int(labels[v])] = true }
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let onBorder = i == 0 || j == 0 || k == 0 || i == shape[0] - 1 || j == shape[1] - 1 || k == shape[2] - 1
            if onBorder { outside[Int(labels[i + shape[0] * (j + shape[1] * k)])] = true }
        } } }
        return zip(mask, labels).map { $0 || !outside[Int($1)] }
    }

    /// What closed strokes say on their slices, along any axis (in each plane holding a few of `strokes`):
    /// `enclosed`, the parts of the plane that strokes cut off from its edge (4-connected) and that hold none of
    /// `marks`; `around`, the parts they cut off that hold a mark, less the marks; `outside`, in a plane where a
    /// stroke closes around a part that holds a mark, what lies outside every closed stroke, where that holds no mark
    /// (the strokes themselves left out of all three).
    static func closedStrokes(_ strokes: [Int], shape: [Int], marks: [Int]) -> (enclosed: [Int], outside: [Int], around: [Int]) {
        let strides = [1, shape[0], shape[0] * shape[1]]
        var isStroke = [Bool](repeating: false, count: shape[0] * shape[1] * shape[2])
        var isMark = isStroke, enclosed = isStroke, outside = isStroke, around = isStroke
        for v in strokes { isStroke[v] = true }
        for v in marks { isMark[v] = true }
        for axis in 0..<3 {
            let (u, w) = axis == 0 ? (1, 2) : axis == 1 ? (0, 2) : (0, 1)
            // Per plane, the box of its strokes: what lies outside it joins the plane's edge.
            var boxes: [Int: (count: Int, low: [Int], high: [Int])] = [:]
            for v in strokes {
                let position = (0..<3).map { v / strides[$0] % shape[$0] }
                let old = boxes[position[axis]] ?? (0, [Int.max, Int.max], [Int.min, Int.min])
                boxes[position[axis]] = (old.count + 1, [min(old.low[0], position[u]), min(old.low[1], position[w])],
                                         [max(old.high[0], position[u]), max(old.high[1], position[w])])
            }
            // Fewer than eight stroke voxels enclose nothing but a voxel or two.
            for (plane, box) in boxes where box.count >= 8 {
                let (nu, nw) = (box.high[0] - box.low[0] + 1, box.high[1] - box.low[1] + 1)
                let voxel = { (p: Int) in
                    plane * strides[axis] + (box.low[0] + p % nu) * strides[u] + (box.low[1] + p / nu) * strides[w]
                }
                var seen = [Bool](repeating: false, count: nu * nw)
                var openParts: [[Int]] = [], outsideHoldsMark = false, closesAroundAMark = false
                for start in 0..<nu * nw where !seen[start] && !isStroke[voxel(start)] {
                    var part = [start], head = 0, open = false, holdsMark = false
                    seen[start] = true
                    while head < part.count {
                        let p = part[head]; head += 1
                        let (a, b) = (p % nu, p / nu)
                        if a == 0 || b == 0 || a == nu - 1 || b == nw - 1 { open = true }
                        if isMark[voxel(p)] { holdsMark = true }
                        for q in [a > 0 ? p - 1 : -1, a < nu - 1 ? p + 1 : -1, b > 0 ? p - nu : -1, b < nw - 1 ? p + nu : -1]
                        where q >= 0 && !seen[q] && !isStroke[voxel(q)] {
                            seen[q] = true
                            part.append(q)
                        }
                    }
                    if open {
                        openParts.append(part)
                        outsideHoldsMark = outsideHoldsMark || holdsMark
                    } else if holdsMark { closesAroundAMark = true; for p in part { around[voxel(p)] = true } } else {
                        for p in part { enclosed[voxel(p)] = true }
                    }
                }
                // The open parts and what lies beyond the strokes' box are one outside; where it holds a mark (a loop
                // left open where it met another structure), it is no structure's outside, nor where a stroke on the
                // plane closes around nothing (the user went around one part and only stroked beside another).
                if closesAroundAMark && !outsideHoldsMark
                    && everyStrokeCloses(plane: voxel, width: nu, height: nw, isStroke: isStroke, open: openParts) {
                    for part in openParts { for p in part { outside[voxel(p)] = true } }
                    for a in 0..<shape[u] { for b in 0..<shape[w] where a < box.low[0] || a > box.high[0] || b < box.low[1] || b > box.high[1] {
                        outside[plane * strides[axis] + a * strides[u] + b * strides[w]] = true
                    } }
                }
            }
        }
        return (enclosed.indices.filter { enclosed[$0] }, outside.indices.filter { outside[$0] && !isStroke[$0] }, around.indices.filter { around[$0] && !isMark[$0] })
    }

    /// Whether every stroke on a plane (its pieces joined through diagonals too) borders a part it cuts off from the
    /// plane's edge: a voxel beside it (4-connected) in no open part.
    private static func everyStrokeCloses(plane voxel: (Int) -> Int, width nu: Int, height nw: Int, isStroke: [Bool],
                                          open: [[Int]]) -> Bool {
        var isOpen = [Bool](repeating: false, count: nu * nw)
        for part in open { for p in part { isOpen[p] = true } }
        var seen = [Bool](repeating: false, count: nu * nw)
        for start in 0..<nu * nw where !seen[start] && isStroke[voxel(start)] {
            var piece = [start], head = 0, closes = false
            seen[start] = true
            while head < piece.count {
                let p = piece[head]; head += 1
                let (a, b) = (p % nu, p / nu)
                for db in -1...1 { for da in -1...1 where da != 0 || db != 0 {
                    let (x, y) = (a + da, b + db)
                    guard x >= 0, y >= 0, x < nu, y < nw else { continue }
                    let q = x + y * nu
                    if isStroke[voxel(q)] {
                        if !seen[q] { seen[q] = true; piece.append(q) }
                    } else if !isOpen[q] && (da == 0 || db == 0) { closes = true }
                } }
            }
            if !closes { return false }
        }
        return true
    }
}
