// Connected components on a voxel grid (6-connected), for post-processing masks: keep the components that hold
// a foreground seed, fill enclosed holes.

public enum Components {
    /// Component number (1…) of every set voxel, 0 elsewhere, and the voxel count of each component.
    public static func label(_ mask: [Bool], shape: [Int]) -> (labels: [Int32], sizes: [Int]) {
        var labels = [Int32](repeating: 0, count: mask.count)
        var sizes = [0]
        var stack: [Int] = []
        let si = shape[0], sj = shape[0] * shape[1]
        labels.withUnsafeMutableBufferPointer { labels in
            mask.withUnsafeBufferPointer { mask in
                for start in 0..<mask.count where mask[start] && labels[start] == 0 {
                    let id = Int32(sizes.count)
                    var size = 0
                    labels[start] = id
                    stack.append(start)
                    while let p = stack.popLast() {
                        size += 1
                        let i = p % si, j = (p / si) % shape[1], k = p / sj
                        if i > 0, mask[p - 1], labels[p - 1] == 0 { labels[p - 1] = id; stack.append(p - 1) }
                        if i < si - 1, mask[p + 1], labels[p + 1] == 0 { labels[p + 1] = id; stack.append(p + 1) }
                        if j > 0, mask[p - si], labels[p - si] == 0 { labels[p - si] = id; stack.append(p - si) }
                        if j < shape[1] - 1, mask[p + si], labels[p + si] == 0 { labels[p + si] = id; stack.append(p + si) }
                        if k > 0, mask[p - sj], labels[p - sj] == 0 { labels[p - sj] = id; stack.append(p - sj) }
                        if k < shape[2] - 1, mask[p + sj], labels[p + sj] == 0 { labels[p + sj] = id; stack.append(p + sj) }
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

    /// Sets the background components that do not touch the region's border.
    static func fillHoles(_ mask: [Bool], shape: [Int]) -> [Bool] {
        let labels = label(mask.map { !$0 }, shape: shape).labels
        var outside = [Bool](repeating: false, count: Int(labels.max() ?? 0) + 1)
        outside[0] = true
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let onBorder = i == 0 || j == 0 || k == 0 || i == shape[0] - 1 || j == shape[1] - 1 || k == shape[2] - 1
            if onBorder { outside[Int(labels[i + shape[0] * (j + shape[1] * k)])] = true }
        } } }
        return zip(mask, labels).map { $0 || !outside[Int($1)] }
    }
}
