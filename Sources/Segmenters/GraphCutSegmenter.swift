// Scribbles or clicks → a 3D label map, without a trained model: a likelihood per class from its seeds and the
// region around them (`SeedLikelihood`, or the older histogram and mixture fits), then one graph cut for a single
// label or α-expansion for several (or GrowCut), then post-processing. The region grows while the answer reaches
// its faces. A later positive click beside the earlier answer corrects its border (`LocalCorrections`). A model's
// probability map can take the likelihood's place (refinement) or stand beside it as a prior.

import Dispatch
import Foundation
import Parallelism
import Volume

public struct GraphCutOptions: Sendable {
    // Defaults chosen with the click robot and simulated scribbles (`termlabel eval clicks|scribbles`) on real CT
    // and MRI volumes and on the bundled phantoms.
    public var method: IntensityModel.Kind = .kde
    public var bins = 64
    public var components = 3
    /// Add the 3×3×3 neighbourhood mean as a second feature (Gaussian mixture only).
    public var localMean = false
    /// Weight of the smoothness term against the data term.
    public var lambda: Float = 5
    /// The same where a structure is marked by a stroke and the seeds' densities are the likelihood (kde, forest;
    /// not where the seeds refine a model's probabilities): a stroke's voxels give its tissue's values on their
    /// own, where a click's ball needs the smoothing to stand for a structure; with less of it thin parts (white
    /// matter's gyri) keep their width.
    public var strokeLambda: Float = 3
    /// With that, the background voxels within this many voxels of a stroked structure's answer that its data term
    /// prefers, reached from the answer through such voxels, join it after the cut (`ShavedParts`; 0: none).
    public var shavedPartsBand = 2
    /// Refining a model's probabilities: the weight of the image's own evidence, how likely each intensity is in
    /// the structure (as the model and the seeds have it) against the rest, beside the model's (0: the model alone).
    public var modelIntensityWeight: Float = 1
    /// A model's probability as a prior beside the seeds' own likelihood (`segment(_:seeds:prior:)`): the weight
    /// of its log odds, and the range its probability is held to. The generic models have seen no real image, and
    /// on real CT and MRI their opinion is a weak one (given the same clicks, the seeds' likelihood alone did as
    /// well or better): at 0.15 and 0.05 a model sure that a voxel is not the structure moves its odds by 0.45
    /// nats, a nudge where the tissue is ambiguous. Its "this is the structure" spreads over like tissue (its grid
    /// is coarse), so it counts for less: 0.13 nats at most.
    public var priorWeight: Float = 0.15
    public var priorFloor: Float = 0.05
    public var priorCeiling: Float = 0.7
    /// Intensity difference (on the [0, 1] window) at which neighbours stop holding together.
    public var sigma: Float = 0.05
    public var connectivity: GridGraph.Connectivity = .six
    /// The region cut: the seeds' bounding box grown by this margin.
    public var roiMarginMM: Double = 30
    /// While the answer reaches a face of the region that is not the image's edge, the margin doubles, up to this.
    public var maximumMarginMM: Double = 160
    /// Seed competition: the weight of a class's geodesic distance beyond the nearest seeded class's (0: none).
    public var geodesicWeight: Float = 0.5
    /// The geodesic distance (in mm-equivalents) that costs `geodesicWeight` nats.
    public var geodesicScaleMM: Float = 40
    /// A label pays one nat for each this many mm-equivalents of geodesic distance from its seeds (0: nothing).
    public var geodesicReachMM: Float = 200
    /// Where a background stroke marks a label's own tissue (the other ventricle beside one), the weight of seed
    /// competition on that tissue: −log of each class's share of a softmin of the geodesic distances.
    public var contestedWeight: Float = 2
    /// The geodesic distance (mm-equivalents) by which a class's share of that softmin falls by e.
    public var contestedScaleMM: Float = 10
    /// With background strokes, a label's tissue far from every seed is the label's only where its seeds are the
    /// nearest: there the label pays for its share of the seed competition, as where a background stroke crosses
    /// its tissue, from this share of the extent of all marks (their box's diagonal) of geodesic distance on, never
    /// nearer than `remoteContestMinimumMM`, fully from twice that (0: only where crossed). Where one structure's
    /// marks span several slices their box spans much of it, and what lies far from every mark within it (the
    /// other hemisphere's white matter between two scribbled slices, reached through the corpus callosum: 2 mm,
    /// 0.79 → 0.87 at 0.15) is contested from this smaller share. The box says less where the marks lie on one
    /// slice (nothing of the structure's extent across the slices: at 0.15 the ventricles lost 0.12–0.17) or mark
    /// several structures (it spans them all: the MRI phantom's grey matter lost 0.04): there `looseRemoteContestShare`.
    public var remoteContestShare: Float = 0.15
    public var looseRemoteContestShare: Float = 0.25
    public var remoteContestMinimumMM: Float = 20
    /// With clicks alone, the same once a negative click is placed and two positive ones, from this share of the
    /// clicks' extent on: a click marks a point, not a structure's outline, so what lies within half of their
    /// extent stays the intensities' to decide. One positive click's tissue is the structure's as far as it
    /// reaches (a ventricle's far horns beside a negative click on the fluid below them); a later one, on the
    /// structure's dim flank, brings a tissue that reaches what lies around it (0: never for clicks).
    public var clickRemoteContestShare: Float = 0.5
    /// A thin structure's edges: the weight (nats per unit of the window's intensity per mm²) of the flux of the
    /// image's gradient through the answer's boundary, which pulls it out to the partial-volume rim's half-way
    /// value (`EdgeFlux`; labels given by clicks, with `kde` and `forest`; 0: none).
    public var fluxWeight: Float = 80
    /// How far (mm) the flux may move the answer's edges beyond what the cut finds without it.
    public var fluxBandMM: Double = 3
    /// A seed also stands for the voxels around it (within this radius) that look like it (`kde`).
    public var seedSurroundingMM: Double = 10
    /// Millimetres a change across the whole intensity window is worth in a geodesic path.
    public var geodesicContrast: Float = 200
    /// With `.forest`: the forest's share of the data term; the rest is the seed densities' (`.kde`), whose
    /// geodesic terms keep what the features alone would take from afar.
    public var forestWeight: Float = 0.5
    /// Intensity window; automatic (CT window or percentiles) when nil.
    public var window: IntensityWindow?
    /// Block sizes to average the region by before cutting (e.g. [2, 2, 1]); the result is scaled back.
    public var downsample: [Int] = [1, 1, 1]
    public var keepSeededComponents = true
    public var fillHoles = true
    /// Set it to stop a running segmentation (it then throws `CancellationError`).
    public var cancellation: Cancellation?

    public init() {}
}

public struct SegmentationResult: Sendable {
    /// On the image's grid.
    public var labels: LabelVolume
    /// The region that was cut.
    public var region: VoxelBox
    /// Seconds per stage, in order.
    public var timings: [(stage: String, seconds: Double)]
}

public enum GraphCutSegmenter {
    /// `prior`: a model's probability of one label on the image's grid, added to the seeds' likelihood
    /// (`GraphCutOptions.priorWeight`).
    public static func segment(_ image: Volume, seeds: Seeds, prior: (label: UInt16, probabilities: [Float])? = nil,
                               options: GraphCutOptions = GraphCutOptions()) throws -> SegmentationResult {
        let result = try grow(image, seeds: seeds, prior: prior, options: options)
        return try keepingCorrectionsLocal(result, image: image, seeds: seeds, prior: prior, options: options)
    }

    /// The cut in a region that grows while the answer reaches its faces. `seedsOnly`: clicks (their centres) whose
    /// balls mark only seeds, no tissue.
    static func grow(_ image: Volume, seeds: Seeds, prior: (label: UInt16, probabilities: [Float])?,
                     options: GraphCutOptions, seedsOnly: [VoxelIndex] = []) throws -> SegmentationResult {
        guard !seeds.isEmpty else { throw SegmentationError.noSeeds }
        if let prior, prior.probabilities.count != image.grid.voxelCount {
            throw SegmentationError.gridMismatch("\(prior.probabilities.count) probabilities for \(image.grid.voxelCount) voxels")
        }
        // The region's faces are background, so an answer that reaches one was cut short there: grow the region
        // until the answer lies inside it (or the image's edge or the largest margin is reached).
        var margin = options.roiMarginMM
        var earlier: [(stage: String, seconds: Double)] = []
        // A click whose ball straddles an edge (its centre between two tissues) may stand for a tissue found only
        // along that edge, and the cut then returns little more than the click: from then on each click stands for
        // the tissue most of its ball holds.
        var largestPart = false
        // Only clicks stand for a part of their ball: with strokes alone (known to hold no click) a second cut
        // would be the first one again.
        let mayHoldClicks = seeds.clicks.map { !$0.isEmpty } ?? true
        let positiveSeeds = seeds.foreground.values.reduce(0) { $0 + $1.count }
        let littleMoreThanTheSeeds = { (result: SegmentationResult) in
            mayHoldClicks && (options.method == .kde || options.method == .forest)
                && result.labels.voxels.reduce(0, { $0 + ($1 == 0 ? 0 : 1) }) <= 3 * positiveSeeds
        }
        // The first region also holds what a prior calls the structure: fewer regions to try.
        let extent = prior.map { Seeds(foreground: [$0.label: seeds.all + corners(of: $0.probabilities, shape: image.shape)]) } ?? seeds
        while true {
            let box = extent.boundingBox(marginMM: margin, grid: image.grid)
            let whole = box == VoxelBox(lower: VoxelIndex(0, 0, 0), upper: VoxelIndex(image.shape[0], image.shape[1], image.shape[2]))
            let last = whole || margin >= options.maximumMarginMM
            // While the region may still grow, its faces are left free: as hard background they would cut a
            // structure larger than the region down to the seeds.
            var result = try run(image, seeds: seeds, options: options, probabilities: nil, prior: prior, box: box,
                                 borderIsBackground: last, tissueOfLargestPart: largestPart, seedsOnly: seedsOnly)
            var little = littleMoreThanTheSeeds(result)
            if !largestPart, little {
                earlier += result.timings
                largestPart = true
                result = try run(image, seeds: seeds, options: options, probabilities: nil, prior: prior, box: box,
                                 borderIsBackground: last, tissueOfLargestPart: true, seedsOnly: seedsOnly)
                little = littleMoreThanTheSeeds(result)
            }
            // An answer of little more than the clicks where the clicked tissue fills the region (a click near a
            // large organ's dome): the region holds too little else for the background's density to be told from
            // the structure's, and it grows as if the answer had reached its faces. (A small nodule's answer is
            // little more than its click too, in a region of other tissue: there it stays.)
            let tooLittleElse = little && clickedTissueFills(box, of: image, seeds: seeds)
            if last || !(reachesInnerFace(result.labels, of: box, depth: options.downsample.max()! + 1) || tooLittleElse) {
                // Each stage's time over every region tried.
                result.timings = result.timings.map { stage in
                    (stage.stage, stage.seconds + earlier.filter { $0.stage == stage.stage }.reduce(0) { $0 + $1.seconds })
                }
                return result
            }
            earlier += result.timings
            // A region hardly larger than one the answer outgrew (the image's edges clip it) would cost nearly as
            // much and most likely be outgrown too: the margin doubles until the region at least doubles.
            let voxels = box.shape.reduce(1, *)
            repeat {
                margin = min(margin * 2, options.maximumMarginMM)
            } while margin < options.maximumMarginMM
                && extent.boundingBox(marginMM: margin, grid: image.grid).shape.reduce(1, *) < 2 * voxels
        }
    }

    /// Refines a model's foreground probability map (on the image grid) for one label with the user's seeds.
    public static func refine(_ image: Volume, probabilities: [Float], label: UInt16, seeds: Seeds,
                              options: GraphCutOptions = GraphCutOptions()) throws -> SegmentationResult {
        guard probabilities.count == image.grid.voxelCount else {
            throw SegmentationError.gridMismatch("\(probabilities.count) probabilities for \(image.grid.voxelCount) voxels")
        }
        var seeds = seeds
        if seeds.foreground[label] == nil { seeds.foreground[label] = [] }
        // The region: around the user's seeds and what the model calls this structure.
        let structure = Seeds(foreground: [label: seeds.all + corners(of: probabilities, shape: image.shape)])
        let box = structure.boundingBox(marginMM: options.roiMarginMM, grid: image.grid)
        return try run(image, seeds: seeds, options: options, probabilities: (label, probabilities), box: box)
    }

    /// Whether the positive clicks' tissue fills most of `box`: a quarter of its voxels or more lie within the range
    /// of the values at and beside the clicks' centres (a click's ball may reach past a small structure; a tissue
    /// that fills the box puts most of its voxels in that range). False where the clicks are not known.
    static func clickedTissueFills(_ box: VoxelBox, of image: Volume, seeds: Seeds) -> Bool {
        let positive = Set(seeds.foreground.values.flatMap { $0 })
        let steps = [(0, 0, 0), (-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)]
        let values = (seeds.clicks ?? []).filter(positive.contains).flatMap { c in
            steps.map { VoxelIndex(c.i + $0.0, c.j + $0.1, c.k + $0.2) }.filter(positive.contains).map { image[$0] }
        }
        guard let low = values.min(), let high = values.max() else { return false }
        let region = image.grid.crop(image.voxels, to: box)
        return 4 * region.filter { $0 >= low && $0 <= high }.count >= region.count
    }

    /// The corners of the bounding box of the voxels more likely in the structure than not (none if there are none).
    static func corners(of probabilities: [Float], shape: [Int]) -> [VoxelIndex] {
        var lower = VoxelIndex(Int.max, Int.max, Int.max), upper = VoxelIndex(-1, -1, -1)
        var n = 0
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            if probabilities[n] > 0.5 {
                lower = VoxelIndex(min(lower.i, i), min(lower.j, j), min(lower.k, k))
                upper = VoxelIndex(max(upper.i, i), max(upper.j, j), max(upper.k, k))
            }
            n += 1
        } } }
        return upper.i < 0 ? [] : [lower, upper]
    }

    static func run(_ image: Volume, seeds: Seeds, options: GraphCutOptions,
                    probabilities: (label: UInt16, values: [Float])?, prior: (label: UInt16, probabilities: [Float])? = nil,
                    box: VoxelBox, borderIsBackground: Bool = true, tissueOfLargestPart: Bool = false,
                    seedsOnly: [VoxelIndex] = []) throws -> SegmentationResult {
        var timings: [(String, Double)] = []
        var clock = DispatchTime.now()
        func lap(_ stage: String) {
            let now = DispatchTime.now()
            timings.append((stage, Double(now.uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9))
            clock = now
        }

        guard !box.isEmpty else { throw SegmentationError.noSeeds }
        let window = options.window ?? IntensityWindow.automatic(for: image)
        let region = Region(image: image, box: box, window: window, block: options.downsample)
        let marked = region.seeds(from: seeds)
        let strokes = SeedLikelihood.StrokeTest(shape: region.shape, spacing: region.spacing,
                                                clicks: seeds.clicks.map { Set($0.compactMap(region.index(of:))) })
        // The labels a stroke marks: they set the smoothing, and neither take the flux nor leave their values unbounded.
        let strokedLabels = Set(marked.labels.filter { strokes.hasStroke(marked.foreground[$0] ?? []) })
        // The seeds' own densities are the likelihood (not a model's probabilities refined by them).
        let fromSeedDensities = probabilities == nil && (options.method == .kde || options.method == .forest)
        let lambda = fromSeedDensities && !strokedLabels.isEmpty
            ? options.strokeLambda : options.lambda
        var local = marked
        // The region's border is background once the region can grow no more: the structure lies within the
        // margin around what the user marked (what lies outside the region is background anyway). Where the region
        // reaches the image's edge, the structure may too, so that face is left free.
        if borderIsBackground {
            let taken = Set(local.foreground.values.flatMap { $0 })
            local.background = Array(Set(local.background).union(region.border(within: image.grid).filter { !taken.contains($0) })).sorted()
        }
        // A model's probabilities stand in for the intensity features' likelihood: then only the smoothness term
        // reads the intensities.
        let features = probabilities == nil && (options.method == .histogram || options.method == .gmm)
            ? Features(intensities: region.intensities, shape: region.shape, localMean: options.localMean) : nil
        let modelProbabilities = probabilities.map { region.pool($0.values, from: image.grid) }
        lap("features")
        try options.cancellation?.check()

        // Classes: 0 is background, then the labels. Costs are −log of each class's posterior.
        let classes: [UInt16] = [0] + local.labels
        var fixed = [Int8](repeating: -1, count: region.count)
        for v in local.background { fixed[v] = 0 }
        for (c, label) in classes.enumerated().dropFirst() { for v in local.foreground[label] ?? [] { fixed[v] = Int8(c) } }
        var start = DispatchTime.now()
        var costs: [[Float]] = []
        var flux: [Int: [Float]] = [:]
        var contested = [Bool](repeating: false, count: region.count)
        if let modelProbabilities {
            costs = modelCosts(modelProbabilities, intensities: region.intensities, marked: marked, options: options)
        } else if options.method == .kde || options.method == .forest {
            // Neighbours averaged: the seeds' surroundings and geodesic paths should follow tissue, not noise.
            // A voxel wide, but no wider than two of the finest axis's: across thick slices the next slice is
            // often another tissue, and averaging with it would give the edges' values to whole slices.
            let widest = 2 * region.spacing.min()!
            let sigma = (0..<3).map { region.shape[$0] > 1 ? min(1, widest / region.spacing[$0]) : 0 }
            let smoothed = GaussianSmoothing.apply(region.intensities, shape: region.shape, sigma: sigma)
            // A label's first seed is its first click's: seeds from clicks come in click order, and the app's, read
            // from its seed volume, are led by the first click (`Seeds.leading(with:)`).
            let firstSeeds = seeds.foreground.compactMapValues { $0.first.flatMap(region.index(of:)) }
            costs = SeedLikelihood.costs(intensities: region.intensities, smoothed: smoothed, shape: region.shape,
                                         spacing: region.spacing, foreground: marked.foreground, labels: local.labels,
                                         background: marked.background, firstSeeds: firstSeeds, strokes: strokes, strokedLabels: strokedLabels,
                                         tissueOfLargestPart: tissueOfLargestPart, besideAModel: prior != nil,
                                         seedsOnly: seedsOnly.compactMap(region.index(of:)), options: options,
                                         contested: &contested)
            // The forest needs background the user marked with a stroke: the region's faces or a few negative clicks
            // teach it too little (on real images it then shrinks the answer to the positive seeds' look).
            if options.method == .forest, strokes.hasStroke(marked.background),
               let forest = ForestLikelihood.costs(
                intensities: region.intensities, shape: region.shape, spacing: region.spacing, foreground: local.foreground,
                labels: local.labels, background: local.background, border: region.border(within: image.grid)) {
                let weight = options.forestWeight
                costs = zip(costs, forest).map { kde, trees in zip(kde, trees).map { (1 - weight) * $0 + weight * $1 } }
            }
            // Clicks only: strokes already mark a structure's extent (with them, the flux took the ventricles' rims
            // past the half-way value on CT and T2 and lost 0.03–0.05 of Dice).
            flux = EdgeFlux.terms(intensities: region.intensities, shape: region.shape, spacing: region.spacing,
                                  seeds: local.labels.map { strokedLabels.contains($0) ? [] : local.foreground[$0] ?? [] },
                                  weight: options.fluxWeight, likeness: options.sigma)
        } else if options.method != .growcut {
            // The background model also learns from the whole region, which is mostly background: what the user
            // has not marked as a structure and is common around it counts against every structure.
            var samples = [local.background + region.sample(count: max(local.background.count, 2000))]
            samples += local.labels.map { local.foreground[$0] ?? [] }
            let models = samples.map {
                IntensityModel.fit(options.method, features: features!, samples: $0, bins: options.bins, components: options.components)
            }
            costs = posteriorCosts(models, features!)
        }
        if let prior, !costs.isEmpty, let c = classes.firstIndex(of: prior.label) {
            let pooled = region.pool(prior.probabilities, from: image.grid)
            let weight = options.priorWeight
            for v in 0..<region.count {
                let p = min(max(pooled[v], options.priorFloor), options.priorCeiling)
                costs[c][v] -= weight * log(p)
                costs[0][v] -= weight * log(1 - p)
            }
        }
        // Strokes give a structure's values themselves: next to the answer, where its data term prefers it and the
        // seed competition does not weigh in, the smoothing's shaving is undone after the cut.
        let restored = fromSeedDensities && options.shavedPartsBand > 0
            ? classes.indices.dropFirst().filter { strokedLabels.contains(classes[$0]) } : []
        let preferred = restored.isEmpty ? [] : ShavedParts.preferredClasses(costs)
        let likelihoodSeconds = seconds(since: start)
        try options.cancellation?.check()
        start = DispatchTime.now()

        var assignment: [UInt8]
        if options.method == .growcut && modelProbabilities == nil {
            // Voxels no seed reaches stay background.
            assignment = try GrowCut.run(intensities: region.intensities, shape: region.shape, fixed: fixed,
                                         cancellation: options.cancellation).map { UInt8(max($0, 0)) }
        } else {
            // Empties `costs` once the graph holds them: a 256³ region must cut within 1 GB.
            func cut(_ costs: inout [[Float]]) throws -> [UInt8] {
                guard classes.count > 2 else {
                    var graph = GridGraph(shape: region.shape, connectivity: options.connectivity)
                    graph.setDataTerms(costs: costs, fixed: fixed)
                    costs = []
                    graph.setSmoothness(intensities: region.intensities, lambda: lambda, sigma: options.sigma, spacing: region.spacing)
                    return try graph.minimumCut(cancellation: options.cancellation).sourceSide.map { $0 ? 1 : 0 }
                }
                return try AlphaExpansion.run(costs: costs, fixed: fixed, intensities: region.intensities, shape: region.shape,
                                              spacing: region.spacing, lambda: lambda, sigma: options.sigma,
                                              connectivity: options.connectivity, cancellation: options.cancellation)
            }
            if flux.isEmpty {
                assignment = try cut(&costs)
            } else {
                var withoutFlux = costs
                let first = try cut(&withoutFlux)
                // A second cut with the flux, whose answer counts only within each thin label's band; beyond it the
                // first cut's answer stays, less its parts not joined to the label's seeds (the band could join them).
                var inBand = [Bool](repeating: false, count: region.count)
                var apart = [Bool](repeating: false, count: region.count)
                let faces = region.border(within: image.grid)
                for (c, term) in flux {
                    let (band, joined) = EdgeFlux.band(of: first, class: c, seeds: local.foreground[classes[c]] ?? [],
                                                       shape: region.shape, spacing: region.spacing,
                                                       bandMM: options.fluxBandMM, freeFaces: faces)
                    for v in 0..<region.count {
                        if band[v] { costs[c][v] += term[v]; inBand[v] = true }
                        if Int(first[v]) == c && !joined[v] { apart[v] = true }
                    }
                }
                let second = try cut(&costs)
                assignment = (0..<region.count).map { inBand[$0] ? second[$0] : apart[$0] ? 0 : first[$0] }
            }
        }
        costs = []
        let cutSeconds = seconds(since: start)
        start = DispatchTime.now()
        for c in restored {
            ShavedParts.restore(&assignment, class: UInt8(c), preferred: preferred, fixed: fixed, contested: contested,
                                shape: region.shape, band: options.shavedPartsBand)
        }

        // Post-processing, label by label: stray pieces go back to the background, enclosed background joins
        // the label around it (a structure inside another, such as a lesion in an organ, stays as it is).
        var labels = [UInt16](repeating: 0, count: region.count)
        for (c, label) in classes.enumerated().dropFirst() {
            var mask = assignment.map { Int($0) == c }
            if options.keepSeededComponents { mask = Components.keepSeeded(mask, shape: region.shape, seeds: local.foreground[label] ?? []) }
            if options.fillHoles {
                let filled = Components.fillHoles(mask, shape: region.shape, open: local.background)
                for v in 0..<region.count where filled[v] && !mask[v] && assignment[v] == 0 { mask[v] = true }
            }
            for v in 0..<region.count where mask[v] { labels[v] = label }
        }
        timings.append(("likelihood", likelihoodSeconds))
        timings.append(("graph cut", cutSeconds))
        timings.append(("post-processing", seconds(since: start)))
        clock = DispatchTime.now()
        let result = region.paste(labels, into: LabelVolume(grid: image.grid))
        lap("output")
        return SegmentationResult(labels: result, region: box, timings: timings)
    }

    /// −log of the background's and the structure's posterior at every voxel, from a model's probability of the
    /// structure and, with `modelIntensityWeight`, the intensities. The 3D models see a grid of 3–4 mm and often
    /// miss part of a large organ; at the image's resolution, the tissue of the part they found tells where the rest
    /// is. Each class's intensity histogram is half what the model says (its structure against the rest of the
    /// region) and half what the user marked (the structure's seeds against the background's), when there are
    /// such seeds: the marks are certain, while what the model calls the structure may hold another tissue
    /// (after a click near a small structure, it sometimes floods the organ around it). The likelihoods multiply
    /// the model's odds as independent evidence; where the tissues look alike, their ratio is near 1 and the model
    /// decides.
    static func modelCosts(_ probabilities: [Float], intensities: [Float], marked: LocalSeeds, options: GraphCutOptions) -> [[Float]] {
        let weight = options.modelIntensityWeight
        guard weight > 0 else {
            return [probabilities.map { -log(max(1 - $0, 1e-6)) }, probabilities.map { -log(max($0, 1e-6)) }]
        }
        let bins = options.bins
        let features = Features(intensities: intensities, shape: [intensities.count, 1, 1], localMean: false)
        let markedIn = marked.foreground.values.flatMap { $0 }
        var said = markedIn, saidNot = marked.background
        for v in probabilities.indices { if probabilities[v] > 0.5 { said.append(v) } else { saidNot.append(v) } }
        /// log of a class's density in each intensity bin.
        func logDensity(model samples: [Int], marks: [Int]) -> [Float] {
            guard case .histogram(let fromModel) = IntensityModel.fit(.histogram, features: features, samples: samples, bins: bins),
                  case .histogram(let fromMarks) = IntensityModel.fit(.histogram, features: features, samples: marks, bins: bins) else { return [] }
            let share: Float = marks.isEmpty ? 0 : 0.5
            return (0..<bins).map { log((1 - share) * fromModel[$0] + share * fromMarks[$0]) }
        }
        let logIn = logDensity(model: said, marks: markedIn), logOut = logDensity(model: saidNot, marks: marked.background)
        // The structure's log odds against the background, by bin.
        let evidence = (0..<bins).map { weight * (logIn[$0] - logOut[$0]) }
        var background = [Float](repeating: 0, count: probabilities.count), foreground = background
        // In blocks on all cores: a 128³ region's logarithms take a tenth of a second on one.
        let count = probabilities.count, block = 1 << 16
        background.withUnsafeMutableBufferPointer { backgroundBuffer in
            foreground.withUnsafeMutableBufferPointer { foregroundBuffer in
                let (out0, out1) = (UncheckedBox(backgroundBuffer.baseAddress!), UncheckedBox(foregroundBuffer.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: (count + block - 1) / block) { b in
                    for v in b * block..<min(count, (b + 1) * block) {
                        // 1e-3 from 0 and 1 is 7 nats of odds; a histogram's likelihood ratio stays under 100 (4.6
                        // nats), so where the model is sure, the intensities do not overrule it.
                        let p = min(max(probabilities[v], 1e-3), 1 - 1e-3)
                        let odds = log(p / (1 - p)) + evidence[IntensityModel.bin(intensities[v], bins)]
                        // −log posterior: log(1 + e^−odds) for the structure, log(1 + e^odds) for the background.
                        let against = log1p(exp(-abs(odds)))
                        out1.value[v] = max(-odds, 0) + against
                        out0.value[v] = max(odds, 0) + against
                    }
                }
            }
        }
        return [background, foreground]
    }

    /// Whether a label lies within `depth` voxels of a face of the box that is not the image's own edge.
    static func reachesInnerFace(_ labels: LabelVolume, of box: VoxelBox, depth: Int) -> Bool {
        let shape = labels.shape
        for axis in 0..<3 {
            let others = (0..<3).filter { $0 != axis }
            var layers: [Int] = []
            if box.lower[axis] > 0 { layers += (box.lower[axis]..<min(box.lower[axis] + depth, box.upper[axis])) }
            if box.upper[axis] < shape[axis] { layers += (max(box.upper[axis] - depth, box.lower[axis])..<box.upper[axis]) }
            for layer in layers {
                for b in box.lower[others[1]]..<box.upper[others[1]] {
                    for a in box.lower[others[0]]..<box.upper[others[0]] {
                        var v = VoxelIndex(0, 0, 0)
                        v[axis] = layer; v[others[0]] = a; v[others[1]] = b
                        if labels[v.i, v.j, v.k] != 0 { return true }
                    }
                }
            }
        }
        return false
    }

    /// −log of each class's posterior (equal priors) at every voxel.
    static func posteriorCosts(_ models: [IntensityModel], _ features: Features) -> [[Float]] {
        // Densities first, one class at a time, then normalised in place.
        var costs = models.map { model in (0..<features.count).map { model.density(features, $0) } }
        let classes = models.count
        for v in 0..<features.count {
            var total: Float = 0
            for c in 0..<classes { total += costs[c][v] }
            for c in 0..<classes {
                costs[c][v] = -log(max(total > 0 ? costs[c][v] / total : 1 / Float(classes), 1e-6))
            }
        }
        return costs
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
