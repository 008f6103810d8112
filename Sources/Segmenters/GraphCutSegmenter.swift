// Scribbles or clicks → a 3D label map, without a trained model: features of the region around the seeds,
// a likelihood per label fitted on its seeds, a binary graph cut per label (its seeds foreground, every other
// seed background), overlaps given to the most probable label, then post-processing. A model's probability map
// can take the likelihood's place (refinement).

import Dispatch
import Foundation
import Volume

public struct GraphCutOptions: Sendable {
    // Defaults chosen on the bundled CT and MRI phantoms with simulated scribbles (`termlabel eval scribbles`).
    public var method: IntensityModel.Kind = .gmm
    public var bins = 64
    public var components = 3
    /// Add the 3×3×3 neighbourhood mean as a second feature (Gaussian mixture only).
    public var localMean = false
    /// Weight of the smoothness term against the data term.
    public var lambda: Float = 5
    /// Intensity difference (on the [0, 1] window) at which neighbours stop holding together.
    public var sigma: Float = 0.05
    public var connectivity: GridGraph.Connectivity = .six
    /// The region cut: the seeds' bounding box grown by this margin.
    public var roiMarginMM: Double = 30
    /// Intensity window; automatic (CT window or percentiles) when nil.
    public var window: IntensityWindow?
    /// Block sizes to average the region by before cutting (e.g. [2, 2, 1]); the result is scaled back.
    public var downsample: [Int] = [1, 1, 1]
    public var keepSeededComponents = true
    public var fillHoles = true

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
    public static func segment(_ image: Volume, seeds: Seeds, options: GraphCutOptions = GraphCutOptions()) throws -> SegmentationResult {
        guard !seeds.isEmpty else { throw SegmentationError.noSeeds }
        return try run(image, seeds: seeds, options: options, probabilities: nil,
                       box: seeds.boundingBox(marginMM: options.roiMarginMM, grid: image.grid))
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
        var structure = Seeds(foreground: [label: seeds.all])
        var n = 0
        for k in 0..<image.shape[2] { for j in 0..<image.shape[1] { for i in 0..<image.shape[0] {
            if probabilities[n] > 0.5 { structure.foreground[label]!.append(VoxelIndex(i, j, k)) }
            n += 1
        } } }
        let box = structure.boundingBox(marginMM: options.roiMarginMM, grid: image.grid)
        return try run(image, seeds: seeds, options: options, probabilities: (label, probabilities), box: box)
    }

    static func run(_ image: Volume, seeds: Seeds, options: GraphCutOptions,
                    probabilities: (label: UInt16, values: [Float])?, box: VoxelBox) throws -> SegmentationResult {
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
        var local = region.seeds(from: seeds)
        // The region's border is background: the structure lies within the margin around what the user marked
        // (what lies outside the region is background anyway). Where the region reaches the image's edge, the
        // structure may too, so that face is left free.
        let taken = Set(local.foreground.values.flatMap { $0 })
        local.background = Array(Set(local.background).union(region.border(within: image.grid).filter { !taken.contains($0) })).sorted()
        let features = Features(intensities: region.intensities, shape: region.shape, localMean: options.localMean)
        let modelProbabilities = probabilities.map { region.pool($0.values, from: image.grid) }
        lap("features")

        var best = [Float](repeating: 0, count: region.count)
        var labels = [UInt16](repeating: 0, count: region.count)
        var flowSeconds = 0.0, buildSeconds = 0.0, likelihoodSeconds = 0.0
        for label in local.labels {
            let foreground = local.foreground[label] ?? []
            let background = local.background + local.foreground.filter { $0.key != label }.flatMap(\.value)
            var constraint = [Int8](repeating: 0, count: region.count)
            for v in background { constraint[v] = -1 }
            for v in foreground { constraint[v] = 1 }
            var start = DispatchTime.now()
            let p: [Float]
            // How much each voxel looks like this label, comparable across labels: the label's own density.
            let affinity: [Float]
            if let modelProbabilities {
                p = modelProbabilities
                affinity = p
            } else {
                let inside = IntensityModel.fit(options.method, features: features, samples: foreground, bins: options.bins,
                                                components: options.components)
                // The background model also learns from the whole region, which is mostly background: what the
                // user has not marked as this structure and is common around it counts against it.
                let outside = IntensityModel.fit(options.method, features: features,
                                                 samples: background + region.sample(count: max(background.count, 2000)),
                                                 bins: options.bins, components: options.components)
                p = posterior(inside, outside, features)
                affinity = (0..<region.count).map { inside.density(features, $0) }
            }
            likelihoodSeconds += seconds(since: start)
            start = DispatchTime.now()
            var graph = GridGraph(shape: region.shape, connectivity: options.connectivity)
            graph.setDataTerms(foregroundProbability: p, constraint: constraint)
            graph.setSmoothness(intensities: region.intensities, lambda: options.lambda, sigma: options.sigma, spacing: region.spacing)
            buildSeconds += seconds(since: start)
            start = DispatchTime.now()
            var mask = graph.minimumCut().sourceSide
            flowSeconds += seconds(since: start)
            if options.keepSeededComponents { mask = Components.keepSeeded(mask, shape: region.shape, seeds: foreground) }
            if options.fillHoles { mask = Components.fillHoles(mask, shape: region.shape) }
            // Overlaps go to the label whose appearance the voxel fits best.
            for v in 0..<region.count where mask[v] && (labels[v] == 0 || affinity[v] > best[v]) {
                labels[v] = label
                best[v] = affinity[v]
            }
            for v in foreground { labels[v] = label; best[v] = .infinity }
        }
        timings.append(("likelihood", likelihoodSeconds))
        timings.append(("graph build", buildSeconds))
        timings.append(("max-flow", flowSeconds))
        clock = DispatchTime.now()
        let result = region.paste(labels, into: LabelVolume(grid: image.grid))
        lap("output")
        return SegmentationResult(labels: result, region: box, timings: timings)
    }

    static func posterior(_ inside: IntensityModel, _ outside: IntensityModel, _ features: Features) -> [Float] {
        (0..<features.count).map { v in
            let a = inside.density(features, v), b = outside.density(features, v)
            return a + b > 0 ? a / (a + b) : 0.5
        }
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
