// The part of an image a graph cut works on: a box of voxels, windowed to [0, 1], optionally averaged over
// blocks (anisotropic downsampling) for speed; seeds and results move between it and the image.

import Volume

struct Region {
    let box: VoxelBox
    let block: [Int]
    /// Shape of the (possibly downsampled) region.
    let shape: [Int]
    let spacing: [Double]
    let intensities: [Float]
    var count: Int { shape[0] * shape[1] * shape[2] }

    init(image: Volume, box: VoxelBox, window: IntensityWindow, block requested: [Int]) {
        self.box = box
        let block = (0..<3).map { max(1, min(requested[$0], box.shape[$0])) }
        self.block = block
        shape = (0..<3).map { (box.shape[$0] + block[$0] - 1) / block[$0] }
        spacing = (0..<3).map { image.spacingMM[$0] * Double(block[$0]) }
        var sums = [Float](repeating: 0, count: shape[0] * shape[1] * shape[2])
        var counts = [Float](repeating: 0, count: sums.count)
        for k in box.lower.k..<box.upper.k { for j in box.lower.j..<box.upper.j { for i in box.lower.i..<box.upper.i {
            let target = Region.index((i - box.lower.i) / block[0], (j - box.lower.j) / block[1], (k - box.lower.k) / block[2], shape)
            sums[target] += window.normalise(image[i, j, k])
            counts[target] += 1
        } } }
        intensities = zip(sums, counts).map { $0 / max($1, 1) }
    }

    @inline(__always)
    static func index(_ i: Int, _ j: Int, _ k: Int, _ shape: [Int]) -> Int { i + shape[0] * (j + shape[1] * k) }

    /// Region index of an image voxel, or nil outside the box.
    func index(of v: VoxelIndex) -> Int? {
        let local = (0..<3).map { v[$0] - box.lower[$0] }
        guard (0..<3).allSatisfy({ local[$0] >= 0 && local[$0] < box.shape[$0] }) else { return nil }
        return Region.index(local[0] / block[0], local[1] / block[1], local[2] / block[2], shape)
    }

    /// Seeds as region indices (duplicates from downsampling removed; a foreground seed wins over background).
    func seeds(from seeds: Seeds) -> (foreground: [UInt16: [Int]], background: [Int], labels: [UInt16]) {
        let foreground = seeds.foreground.mapValues { Array(Set($0.compactMap(index(of:)))).sorted() }
        let taken = Set(foreground.values.flatMap { $0 })
        let background = Array(Set(seeds.background.compactMap(index(of:))).subtracting(taken)).sorted()
        return (foreground, background, seeds.labels)
    }

    /// About `count` voxel indices spread evenly over the region.
    func sample(count wanted: Int) -> [Int] {
        let step = max(1, self.count / max(wanted, 1))
        return Array(stride(from: step / 2, to: self.count, by: step))
    }

    /// Voxels on the faces of the region that lie inside the image (not on the image's own edge).
    func border(within grid: Grid) -> [Int] {
        let low = (0..<3).map { box.lower[$0] > 0 }
        let high = (0..<3).map { box.upper[$0] < grid.shape[$0] }
        var out: [Int] = []
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let position = [i, j, k]
            if (0..<3).contains(where: { (low[$0] && position[$0] == 0) || (high[$0] && position[$0] == shape[$0] - 1) }) {
                out.append(Region.index(i, j, k, shape))
            }
        } } }
        return out
    }

    /// Values on the image grid averaged into the region's cells.
    func pool(_ values: [Float], from grid: Grid) -> [Float] {
        var sums = [Float](repeating: 0, count: count), counts = sums
        for k in box.lower.k..<box.upper.k { for j in box.lower.j..<box.upper.j { for i in box.lower.i..<box.upper.i {
            let target = Region.index((i - box.lower.i) / block[0], (j - box.lower.j) / block[1], (k - box.lower.k) / block[2], shape)
            sums[target] += values[grid.offset(i, j, k)]
            counts[target] += 1
        } } }
        return zip(sums, counts).map { $0 / max($1, 1) }
    }

    /// Writes region labels back into a full label map (each region cell fills its block).
    func paste(_ labels: [UInt16], into map: LabelVolume) -> LabelVolume {
        var map = map
        for k in box.lower.k..<box.upper.k { for j in box.lower.j..<box.upper.j { for i in box.lower.i..<box.upper.i {
            map[i, j, k] = labels[Region.index((i - box.lower.i) / block[0], (j - box.lower.j) / block[1], (k - box.lower.k) / block[2], shape)]
        } } }
        return map
    }
}
