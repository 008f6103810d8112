// A positive click beside the answer that the first click and the negative clicks give corrects that answer's border:
// the click robot's on a missed rim, and an annotator's. Its ball's value is often that of what lies around the
// structure (a spleen's rim beside the abdomen's soft tissue, a kidney's outermost voxels beside muscle, a lesion's
// beside the organ), and as a tissue of the structure it floods what lies around: the answer grows many times over, and
// its box many times more. Where counting such clicks' tissues makes the answer more than `correctionGrowthLimit` times
// the earlier one, in a box more than `floodBoxGrowth` times as large, they mark only seeds, unless later clicks away
// from the earlier answer made the growth (with the corrections as seeds, the answer is more than half as large); where
// it grows as much even so (their balls change which voxels lie nearer to a positive click than to a negative one), the
// answer is the earlier one with their balls. A later click away from the earlier answer (a hemisphere's grey matter,
// its white matter clicked first) still brings its tissue, as does one beside it whose tissue grows the answer less, or
// within a box less than that many times the earlier one's (a brain's grey matter and fluid around its white matter).

import Volume

extension GraphCutSegmenter {
    /// How near (mm) to the earlier answer a later click's centre lies for it to correct that answer's border.
    static let correctionReachMM = 4.0
    /// How many times the earlier answer the tissues of such clicks may make it.
    static let correctionGrowthLimit = 4
    /// Beside later clicks away from the earlier answer: how many times the answer with the corrections as seeds
    /// alone their tissues may make it (a click on a brain's white matter where a bias field dims it, after clicks
    /// on its grey matter, adds that white matter: the grey matter's clicks made the growth).
    static let correctionTissueGrowthLimit = 2
    /// How many times the earlier answer's box a flood's is: it takes what lies far around, where a structure's
    /// second tissue lies around the first (a brain's grey matter and fluid around its white matter: 3–5 times).
    static let floodBoxGrowth = 8

    static func keepingCorrectionsLocal(_ result: SegmentationResult, image: Volume, seeds: Seeds,
                                        prior: (label: UInt16, probabilities: [Float])?,
                                        options: GraphCutOptions) throws -> SegmentationResult {
        guard options.method == .kde || options.method == .forest,
              let (label, later) = laterPositiveClicks(seeds, grid: image.grid) else { return result }
        let balls = Set(later.flatMap(\.ball))
        var earlierSeeds = seeds
        earlierSeeds.foreground[label] = seeds.foreground[label]?.filter { !balls.contains($0) }
        earlierSeeds.clicks = seeds.clicks?.filter { click in !later.contains { $0.centre == click } }
        let earlier = try grow(image, seeds: earlierSeeds, prior: prior, options: options)
        let corrections = later.filter { lies($0.centre, within: correctionReachMM, of: label, in: earlier.labels) }
        let limit = correctionGrowthLimit * earlier.labels.count(of: label)
        guard !corrections.isEmpty, result.labels.count(of: label) > limit,
              boxVolume(of: label, in: result.labels) > floodBoxGrowth * boxVolume(of: label, in: earlier.labels)
        else { return result }
        let seedsOnly = try grow(image, seeds: seeds, prior: prior, options: options,
                                 seedsOnly: corrections.map(\.centre))
        // Clicks away from the earlier answer still count: their tissue is in this answer alone. Its growth may be
        // theirs (a brain's grey matter clicked after its white matter): the corrections' tissues flood only where
        // they make the answer more than `correctionTissueGrowthLimit` times what it is with them as seeds.
        if corrections.count < later.count {
            let grown = result.labels.count(of: label) > correctionTissueGrowthLimit * seedsOnly.labels.count(of: label)
            return grown ? seedsOnly : result
        }
        if seedsOnly.labels.count(of: label) <= limit { return seedsOnly }
        var kept = earlier
        for v in balls { kept.labels[v.i, v.j, v.k] = label }
        return kept
    }

    /// With clicks alone for one label: its positive clicks after the first whose balls do not touch the first's,
    /// each with its ball (the group of touching seeds that holds it, as `SeedLikelihood` groups them). Nil where
    /// there are none, or strokes too.
    static func laterPositiveClicks(_ seeds: Seeds, grid: Grid)
        -> (label: UInt16, clicks: [(centre: VoxelIndex, ball: [VoxelIndex])])? {
        guard seeds.labels.count == 1, let label = seeds.labels.first, let clicks = seeds.clicks,
              let marks = seeds.foreground[label] else { return nil }
        let positive = clicks.filter(Set(marks).contains)
        guard positive.count >= 2 else { return nil }
        let groups = SeedLikelihood.groups(of: marks.map(grid.offset), shape: grid.shape).map(Set.init)
        let holding = positive.map { click in groups.firstIndex { $0.contains(grid.offset(click)) }! }
        // A group that holds no click is a stroke: not clicks alone.
        guard Set(holding).count == groups.count else { return nil }
        let later = positive.indices.dropFirst().filter { holding[$0] != holding[0] }
        return later.isEmpty ? nil
            : (label, later.map { (positive[$0], groups[holding[$0]].map(grid.voxel(atOffset:))) })
    }

    /// The voxels of the box around `label`'s voxels (0 where there are none).
    static func boxVolume(of label: UInt16, in labels: LabelVolume) -> Int {
        let voxels = labels.voxels.indices.filter { labels.voxels[$0] == label }
        guard !voxels.isEmpty else { return 0 }
        let (low, high) = SeedLikelihood.box(of: voxels, shape: labels.shape)
        return (0..<3).reduce(1) { $0 * (high[$1] - low[$1] + 1) }
    }

    /// Whether a voxel of `label` lies within `mm` of `centre`.
    static func lies(_ centre: VoxelIndex, within mm: Double, of label: UInt16, in labels: LabelVolume) -> Bool {
        let grid = labels.grid
        let reach = (0..<3).map { Int((mm / grid.spacingMM[$0]).rounded(.up)) }
        let lower = (0..<3).map { max(centre[$0] - reach[$0], 0) }
        let upper = (0..<3).map { min(centre[$0] + reach[$0], grid.shape[$0] - 1) }
        for k in lower[2]...upper[2] { for j in lower[1]...upper[1] { for i in lower[0]...upper[0]
            where labels[i, j, k] == label && grid.squaredDistanceMM(VoxelIndex(i, j, k), centre) <= mm * mm {
            return true
        } } }
        return false
    }
}
