// The part of an image a graph cut works on: a box of voxels, windowed to [0, 1], optionally averaged over
// blocks (anisotropic downsampling) for speed; seeds and results move between it and the image.

import Volume

/// Seeds as indices into a region, the labels in order.
typealias LocalSeeds = (foreground: [UInt16: [Int]], background: [Int], labels: [UInt16])

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
        let shape = (0..<3).map { (box.shape[$0] + block[$0] - 1) / block[$0] }
        self.shape = shape
        spacing = (0..<3).map { image.spacingMM[$0] * Double(block[$0]) }
        var sums = [Float](repeating: 0, count: shape[0] * shape[1] * shape[2])
        var counts = [Float](repeating: 0, count: sums.count)
        image.voxels.withUnsafeBufferPointer { voxels in
            Region.forEachVoxel(box: box, block: block, shape: shape, grid: image.grid) { voxel, cell in
                sums[cell] += window.normalise(voxels[voxel])
                counts[cell] += 1
            }
        }
        intensities = zip(sums, counts).map { $0 / max($1, 1) }
    }

    /// Calls `body(image offset, region cell)` for every image voxel in the box, row by row.
    @inline(__always)
    static func forEachVoxel(box: VoxelBox, block: [Int], shape: [Int], grid: Grid, _ body: (_ voxel: Int, _ cell: Int) -> Void) {
        let (ni, nj) = (grid.shape[0], grid.shape[1])
        let (bi, bj, bk) = (block[0], block[1], block[2])
        let (si, sj) = (shape[0], shape[0] * shape[1])
        let (li, lj, lk) = (box.lower.i, box.lower.j, box.lower.k)
        let width = box.upper.i - li
        for k in lk..<box.upper.k {
            let cellK = (k - lk) / bk * sj
            for j in lj..<box.upper.j {
                let row = li + ni * (j + nj * k), cellRow = cellK + (j - lj) / bj * si
                if bi == 1 {
                    for x in 0..<width { body(row + x, cellRow + x) }
                } else {
                    for x in 0..<width { body(row + x, cellRow + x / bi) }
                }
            }
        }
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
    func seeds(from seeds: Seeds) -> LocalSeeds {
        let foreground = seeds.foreground.mapValues { Array(Set($0.compactMap(index(of:)))).sorted() }
        let taken = Set(foreground.values.flatMap { $0 })
        let background = Array(Set(seeds.background.compactMap(index(of:))).subtracting(taken)).sorted()
        return (foreground, background, seeds.labels)
    }

    /// About `count` voxel indices spread evenly over the region.
    func sample(count wanted: Int) -> [Int] { Region.evenlySpaced(wanted, of: count) }

    /// About `wanted` indices spread evenly over `0..<count`.
    static func evenlySpaced(_ wanted: Int, of count: Int) -> [Int] {
        let step = max(1, count / max(wanted, 1))
        return Array(stride(from: step / 2, to: count, by: step))
    }

    /// Voxels on the faces of the region that lie inside the image (not on the image's own edge).
    func border(within grid: Grid) -> [Int] {
        let low = (0..<3).map { box.lower[$0] > 0 }
        let high = (0..<3).map { box.upper[$0] < grid.shape[$0] }
        var out: [Int] = []
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            if (low[0] && i == 0) || (high[0] && i == shape[0] - 1) || (low[1] && j == 0) || (high[1] && j == shape[1] - 1)
                || (low[2] && k == 0) || (high[2] && k == shape[2] - 1) {
                out.append(Region.index(i, j, k, shape))
            }
        } } }
        return out
    }

    /// Values on the image grid averaged into the region's cells.
    func pool(_ values: [Float], from grid: Grid) -> [Float] {
        var sums = [Float](repeating: 0, count: count), counts = sums
        values.withUnsafeBufferPointer { values in
            Region.forEachVoxel(box: box, block: block, shape: shape, grid: grid) { voxel, cell in
                sums[cell] += values[voxel]
                counts[cell] += 1
            }
        }
        return zip(sums, counts).map { $0 / max($1, 1) }
    }

    /// Writes region labels back into a full label map (each region cell fills its block).
    func paste(_ labels: [UInt16], into map: LabelVolume) -> LabelVolume {
        var map = map
        map.voxels.withUnsafeMutableBufferPointer { out in
            Region.forEachVoxel(box: box, block: block, shape: shape, grid: map.grid) { voxel, cell in out[voxel] = labels[cell] }
        }
        return map
    }
}
