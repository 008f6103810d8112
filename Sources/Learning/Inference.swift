// Running a model on an image: automatic and DeepEdit over the whole volume by sliding window, DeepGrow on a crop
// around the clicks (2D: the clicked axial slice). Clicks come in the image's voxel indices and results go back
// to the image grid.

import Engine
import Foundation
import Segmenters
import Volume

/// An image made ready for one model configuration: the model grid and the normalised intensities on it. Keep it
/// while the user clicks on the same study; it is the slow part of preparing an input.
public struct PreparedImage: Sendable {
    public let space: ModelSpace
    public let image: [Float]
    public let spacingMM: [Double?]
    public let normalisation: IntensityNormalisation
    /// The image's window for the cuts that settle answers on it (`IntensityWindow.automatic`): found at its first
    /// use and kept, once per image rather than once per click, and never where nothing is settled (ranking).
    public var window: IntensityWindow { automaticWindow.value }
    private let automaticWindow: FirstUse<IntensityWindow>

    public init(_ volume: Volume, config: ModelConfig) {
        space = ModelSpace(image: volume.grid, spacingMM: config.spacingMM)
        image = space.image(volume, normalisation: config.intensity)
        spacingMM = config.spacingMM
        normalisation = config.intensity
        automaticWindow = FirstUse { IntensityWindow.automatic(for: volume) }
    }

    /// `volume` with its intensities already on `config`'s model grid and normalised (`image`): a training study's,
    /// kept by the trainer, validated as the model would answer on the volume.
    init(normalised image: [Float], of volume: Volume, config: ModelConfig) {
        space = ModelSpace(image: volume.grid, spacingMM: config.spacingMM)
        precondition(space.grid.voxelCount == image.count, "the image lies on the model grid")
        self.image = image
        spacingMM = config.spacingMM
        normalisation = config.intensity
        automaticWindow = FirstUse { IntensityWindow.automatic(for: volume) }
    }

    /// Whether this preparation fits `config` (same grid and intensities).
    public func fits(_ config: ModelConfig) -> Bool { spacingMM == config.spacingMM && normalisation == config.intensity }

    public var shape: [Int] { space.grid.shape }
}

/// A value made at its first use, once, whichever thread asks first; what makes it is let go afterwards.
final class FirstUse<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var made: Value?
    private var make: (@Sendable () -> Value)?

    init(_ make: @escaping @Sendable () -> Value) { self.make = make }

    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let value = make!()
        made = value
        make = nil
        return value
    }
}

public enum Inference {
    /// The network's input channels on a grid of `shape`: the image, then the guidance maps of the configuration's
    /// kind (DeepGrow: foreground, background; DeepEdit: each label in order, then background), then the
    /// connectivity maps of the positive channels if the configuration has them.
    static func channels(_ config: ModelConfig, image: [Float], clicks: ClickSet, shape: [Int]) -> [[Float]] {
        let positive: [[VoxelIndex]]
        switch config.kind {
        case .auto: return [image]
        case .deepgrow2d, .deepgrow3d: positive = [clicks.foreground]
        case .deepedit: positive = config.labels.map { clicks.byLabel[$0.value] ?? [] }
        }
        let maps = [image] + (positive + [clicks.background]).map { Guidance.map($0, shape: shape, sigma: config.guidanceSigma) }
        guard config.clickConnectivity == true else { return maps }
        return maps + positive.map { Guidance.connectivity(image, to: $0, shape: shape) }
    }

    /// Clicks in image voxels → model voxels.
    static func toModel(_ clicks: ClickSet, _ space: ModelSpace) -> ClickSet {
        ClickSet(clicks.byLabel.mapValues { $0.map(space.modelVoxel) })
    }

    /// Class probabilities over the whole model grid (class-major), by sliding window. `clicks` on the model grid.
    public static func probabilities(_ model: SegmentationModel, image: [Float], shape: [Int], clicks: ClickSet,
                                     overlap: Double = 0.25, dropoutSeed: UInt64? = nil) -> [Float] {
        let config = model.config
        let input = ChannelGrid(shape: shape, channels: channels(config, image: image, clicks: clicks, shape: shape))
        let size = config.window ?? config.patch
        let classes = config.outChannels
        if size == shape {
            // One window covers the grid: nothing to blend.
            return model.probabilities(input.crop(origin: VoxelIndex(0, 0, 0), size: size), dropoutSeed: dropoutSeed).data
        }
        let weight = Patches.importance(size)
        var sum = [Float](repeating: 0, count: classes * input.shape.reduce(1, *))
        var weights = [Float](repeating: 0, count: input.shape.reduce(1, *))
        var pass: UInt64 = 0
        for k in Patches.starts(length: shape[2], patch: size[2], overlap: overlap) {
            for j in Patches.starts(length: shape[1], patch: size[1], overlap: overlap) {
                for i in Patches.starts(length: shape[0], patch: size[0], overlap: overlap) {
                    let origin = VoxelIndex(i, j, k)
                    let p = model.probabilities(input.crop(origin: origin, size: size), dropoutSeed: dropoutSeed.map { $0 &+ pass })
                    pass += 1
                    Patches.accumulate(p.data, origin: origin, size: size, weight: weight, channels: classes,
                                       into: &sum, weights: &weights, shape: shape)
                }
            }
        }
        let n = weights.count
        for c in 0..<classes { for v in 0..<n { sum[c * n + v] /= max(weights[v], 1e-6) } }
        return sum
    }

    /// Automatic (no clicks) or DeepEdit (clicks per label value, 0 = background, in image voxels): a label map on
    /// the image grid.
    public static func segment(_ model: SegmentationModel, _ prepared: PreparedImage, clicks: ClickSet = ClickSet()) -> LabelVolume {
        let config = model.config
        precondition(!config.kind.isDeepGrow, "DeepGrow segments one structure: use grow")
        let p = probabilities(model, image: prepared.image, shape: prepared.shape, clicks: toModel(clicks, prepared.space))
        return prepared.space.labelMap(probabilities: p, classes: config.outChannels, values: [0] + config.labels.map(\.value))
    }

    /// Keeps, for each label, only its largest connected piece (the rest becomes background): for organs that are
    /// one piece, stray islands of a model's answer are errors.
    public static func largestComponents(_ labels: LabelVolume) -> LabelVolume {
        var out = labels
        for value in labels.labelsPresent where value != 0 {
            let (components, sizes) = Components.label(labels.voxels.map { $0 == value }, shape: labels.shape)
            guard sizes.count > 2, let largest = sizes.indices.dropFirst().max(by: { sizes[$0] < sizes[$1] }) else { continue }
            for n in out.voxels.indices where components[n] > 0 && components[n] != Int32(largest) { out.voxels[n] = 0 }
        }
        return out
    }

    /// The probability of one label at every image voxel (automatic or DeepEdit), e.g. as a graph cut's likelihood.
    public static func probability(of label: UInt16, _ model: SegmentationModel, _ prepared: PreparedImage,
                                   clicks: ClickSet = ClickSet()) -> [Float]? {
        guard let channel = model.config.labels.firstIndex(where: { $0.value == label }).map({ $0 + 1 }) else { return nil }
        let p = probabilities(model, image: prepared.image, shape: prepared.shape, clicks: toModel(clicks, prepared.space))
        let n = prepared.space.grid.voxelCount
        return Volume(grid: prepared.space.grid, voxels: Array(p[channel * n..<(channel + 1) * n]))
            .resampled(to: prepared.space.image, outside: 0).voxels
    }

    /// DeepGrow: the structure the clicks point at, as a mask on the image grid, and the image voxels the model
    /// looked at (outside them the mask says nothing). 2D works on the axial slice of the first positive click.
    public static func grow(_ model: SegmentationModel, _ prepared: PreparedImage, foreground: [VoxelIndex],
                            background: [VoxelIndex]) throws -> (mask: [Bool], region: VoxelBox) {
        guard !foreground.isEmpty else { throw ModelError.needsPositiveClick }
        let clicks = toModel(ClickSet.deepGrow(foreground: foreground, background: background), prepared.space)
        let (probability, origin, size) = grow(model, image: prepared.image, shape: prepared.shape, clicks: clicks)
        return (prepared.space.mask(probability: probability), imageRegion(of: origin, size: size, space: prepared.space))
    }

    /// DeepGrow on the model grid: the foreground probability over the whole grid (zero outside the crop), and
    /// the crop. `clicks` (model voxels) must hold a positive click.
    public static func grow(_ model: SegmentationModel, image: [Float], shape: [Int], clicks: ClickSet)
        -> (probability: [Float], origin: VoxelIndex, size: [Int]) {
        let config = model.config
        precondition(config.kind.isDeepGrow && !clicks.foreground.isEmpty)
        var clicks = clicks
        var size = config.patch
        if config.kind == .deepgrow2d {
            // Only the clicks on the slice of the first positive click guide a 2D model.
            let k = clicks.foreground[0].k
            clicks = ClickSet(clicks.byLabel.mapValues { $0.filter { $0.k == k } })
            size[2] = 1
        }
        let positive = clicks.foreground
        let centre = VoxelIndex(positive.map(\.i).reduce(0, +) / positive.count, positive.map(\.j).reduce(0, +) / positive.count,
                                positive.map(\.k).reduce(0, +) / positive.count)
        let origin = Patches.box(around: centre, size: size, shape: shape)
        let crop = ChannelGrid(shape: shape, channels: [image]).crop(origin: origin, size: size)
        // Guidance on the crop itself: clicks outside it cannot guide the network anyway.
        let input = ChannelGrid(shape: size, channels: channels(config, image: crop.data, clicks: clicks.shifted(by: origin), shape: size))
        let p = model.probabilities(input.crop(origin: VoxelIndex(0, 0, 0), size: size))
        let count = size.reduce(1, *)
        var probability = [Float](repeating: 0, count: image.count)
        var ignored = [Float](repeating: 0, count: image.count)
        Patches.accumulate(Array(p.data[count..<2 * count]), origin: origin, size: size, weight: [Float](repeating: 1, count: count),
                           channels: 1, into: &probability, weights: &ignored, shape: shape)
        return (probability, origin, size)
    }

    /// The image voxels a box on the model grid covers (its corners carried through the world).
    static func imageRegion(of origin: VoxelIndex, size: [Int], space: ModelSpace) -> VoxelBox {
        var lower = [Int.max, Int.max, Int.max], upper = [Int.min, Int.min, Int.min]
        for corner in 0..<8 {
            let v = VoxelIndex(origin.i + (corner & 1 == 0 ? 0 : size[0] - 1), origin.j + (corner & 2 == 0 ? 0 : size[1] - 1),
                               origin.k + (corner & 4 == 0 ? 0 : size[2] - 1))
            let (x, y, z) = space.image.voxelCoordinates(space.grid.world(v))
            for (axis, c) in [x, y, z].enumerated() {
                lower[axis] = min(lower[axis], Int(c.rounded(.down)))
                upper[axis] = max(upper[axis], Int(c.rounded(.up)) + 1)
            }
        }
        return VoxelBox(lower: VoxelIndex(lower[0], lower[1], lower[2]), upper: VoxelIndex(upper[0], upper[1], upper[2]))
            .clipped(to: space.image)
    }
}
