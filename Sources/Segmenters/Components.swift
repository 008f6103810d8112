// Connected components on a voxel grid (6-connected), for post-processing masks: keep the components that hold
// a foreground seed, fill enclosed holes.

enum Components {
    /// Component number (1…) of every set voxel, 0 elsewhere, and the voxel count of each component.
    static func label(_ mask: [Bool], shape: [Int]) -> (labels: [Int32], sizes: [Int]) {
        var labels = [Int32](repeating: 0, count: mask.count)
        var sizes = [0]
        var stack: [Int] = []
        let strides = [1, shape[0], shape[0] * shape[1]]
        for start in 0..<mask.count where mask[start] && labels[start] == 0 {
            let id = Int32(sizes.count)
            var size = 0
            labels[start] = id
            stack.append(start)
            while let p = stack.popLast() {
                size += 1
                let position = [p % shape[0], (p / shape[0]) % shape[1], p / strides[2]]
                for axis in 0..<3 {
                    if position[axis] > 0 {
                        let q = p - strides[axis]
                        if mask[q] && labels[q] == 0 { labels[q] = id; stack.append(q) }
                    }
                    if position[axis] < shape[axis] - 1 {
                        let q = p + strides[axis]
                        if mask[q] && labels[q] == 0 { labels[q] = id; stack.append(q) }
                    }
                }
            }
            sizes.append(size)
        }
        return (labels, sizes)
    }

    /// Keeps the components that contain one of `seeds` (voxel offsets); with no seed inside the mask, the largest.
    static func keepSeeded(_ mask: [Bool], shape: [Int], seeds: [Int]) -> [Bool] {
        let (labels, sizes) = label(mask, shape: shape)
        var keep = Set(seeds.map { labels[$0] }.filter { $0 > 0 })
        if keep.isEmpty, let largest = sizes.indices.dropFirst().max(by: { sizes[$0] < sizes[$1] }) { keep = [Int32(largest)] }
        return labels.map { keep.contains($0) }
    }

    /// Sets the background components that do not touch the region's border.
    static func fillHoles(_ mask: [Bool], shape: [Int]) -> [Bool] {
        let labels = label(mask.map { !$0 }, shape: shape).labels
        var outside = Set<Int32>()
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let onBorder = i == 0 || j == 0 || k == 0 || i == shape[0] - 1 || j == shape[1] - 1 || k == shape[2] - 1
            if onBorder { outside.insert(labels[i + shape[0] * (j + shape[1] * k)]) }
        } } }
        return zip(mask, labels).map { $0 || ($1 > 0 && !outside.contains($1)) }
    }
}
