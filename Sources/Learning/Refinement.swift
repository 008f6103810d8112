// The click models' answers settled on the image. Their networks see a coarser grid (2–4 mm) and blur each click
// over several voxels, so their borders are soft and a click near a border barely moves it. A graph cut at the
// image's resolution, with every click as a seed, puts the border on the image's edges and keeps each click where
// the annotator put it (DeepGrow 2D's on its slice alone). Its likelihood depends on what the model knows
// (`SettlingLikelihood`). The app, `infer`, the server and the click robot all answer clicks this way.

import Segmenters
import Volume

/// The likelihood of the cut that settles a 3D click model's answer.
public enum SettlingLikelihood: Sendable {
    /// The network's probability, with the intensities of what it found (`GraphCutOptions.modelIntensityWeight`),
    /// which bring in the parts of a large organ it missed: for a model trained on the folder's studies, which
    /// knows their look.
    case model
    /// The classical click tool's likelihood from the seeds (their tissues, seed competition), with the network's
    /// probability beside it as a prior (`GraphCutOptions.priorWeight`, `priorFloor`, `priorCeiling`): for the
    /// generic models, trained on synthetic studies only. On real images their probability is a rough guide (a
    /// hemisphere with no edge between the halves, a ventricle a few voxels wide at their grid), and the seeds'
    /// tissues know the image better.
    case seeds
}

extension Inference {
    /// DeepGrow 3D settled on the image: the grown structure, cut again with `seeds` (image voxels: the clicks
    /// as balls, foreground under `label`), and the image voxels the answer may have changed.
    public static func growSettled(_ model: SegmentationModel, _ prepared: PreparedImage, image: Volume,
                                   foreground: [VoxelIndex], background: [VoxelIndex], seeds: Seeds, label: UInt16,
                                   likelihood: SettlingLikelihood, options: GraphCutOptions = GraphCutOptions())
        throws -> (mask: [Bool], region: VoxelBox) {
        guard !foreground.isEmpty else { throw ModelError.needsPositiveClick }
        let clicks = toModel(ClickSet.deepGrow(foreground: foreground, background: background), prepared.space)
        let (probability, origin, size) = grow(model, image: prepared.image, shape: prepared.shape, clicks: clicks)
        let cut = try settle(probability, origin: origin, size: size, prepared: prepared, on: image, seeds: seeds, label: label,
                             likelihood: likelihood, options: options)
        let region = imageRegion(of: origin, size: size, space: prepared.space)
        return (cut.labels.voxels.map { $0 == label }, region.union(cut.region))
    }

    /// The cut that settles a DeepGrow network's answer (its probability on the model grid, and the crop it ran on)
    /// on `target`, the image or one slice of it, with the image's window.
    static func settle(_ probability: [Float], origin: VoxelIndex, size: [Int], prepared: PreparedImage, on target: Volume,
                       seeds: Seeds, label: UInt16, likelihood: SettlingLikelihood, options: GraphCutOptions) throws -> SegmentationResult {
        var options = options
        options.window = options.window ?? prepared.window
        let grid = prepared.space.grid
        switch likelihood {
        case .model:
            let onTarget = Volume(grid: grid, voxels: probability).resampled(to: target.grid, outside: 0).voxels
            return try GraphCutSegmenter.refine(target, probabilities: onTarget, label: label, seeds: seeds, options: options)
        case .seeds:
            // As a prior the network speaks only where it looked: outside its crop its probability is even odds, not
            // "not the structure" (a hemisphere is longer than the crop).
            let crop = VoxelBox(lower: origin, upper: VoxelIndex(origin.i + size[0], origin.j + size[1], origin.k + size[2]))
            let seen = Volume(grid: grid, voxels: grid.keeping(probability, inside: crop, elsewhere: 0.5))
            let onTarget = seen.resampled(to: target.grid, outside: 0.5).voxels
            return try GraphCutSegmenter.segment(target, seeds: seeds, prior: (label, onTarget), options: options)
        }
    }

    /// DeepGrow 2D settled on its slice (the first positive click's): a graph cut of that slice alone, with the
    /// likelihood as DeepGrow 3D's answers are settled with. The network's answer alone, its clicks held on the slice,
    /// fell from one click to the next and stayed below the settled one's, whether trained on a folder (on the CT
    /// samples' held-out studies) or generic (there and on real images). `seeds` are image voxels; those off the
    /// slice are left out.
    public static func growSettledOnSlice(_ model: SegmentationModel, _ prepared: PreparedImage, image: Volume,
                                          foreground: [VoxelIndex], background: [VoxelIndex], seeds: Seeds, label: UInt16,
                                          likelihood: SettlingLikelihood, options: GraphCutOptions = GraphCutOptions())
        throws -> (mask: [Bool], region: VoxelBox) {
        guard let first = foreground.first else { throw ModelError.needsPositiveClick }
        let clicks = toModel(ClickSet.deepGrow(foreground: foreground, background: background), prepared.space)
        let (probability, origin, size) = grow(model, image: prepared.image, shape: prepared.shape, clicks: clicks)
        let slab = VoxelBox(lower: VoxelIndex(0, 0, first.k), upper: VoxelIndex(image.shape[0], image.shape[1], first.k + 1))
        let cut = try settle(probability, origin: origin, size: size, prepared: prepared, on: image.cropped(to: slab),
                             seeds: seeds.shifted(into: slab), label: label, likelihood: likelihood, options: options)
        var mask = [Bool](repeating: false, count: image.grid.voxelCount)
        let start = image.grid.offset(0, 0, first.k)
        for (n, value) in cut.labels.voxels.enumerated() where value == label { mask[start + n] = true }
        var region = cut.region
        region.lower.k += first.k
        region.upper.k += first.k
        // Where the network looked too, as for 3D answers: what an earlier answer labelled there is answered anew.
        return (mask, imageRegion(of: origin, size: size, space: prepared.space).union(region))
    }

    /// DeepEdit settled on the image: the network's label map, with each label that has seeds cut again (its
    /// probability as the likelihood, its seeds inside, every other label's and the background's seeds outside).
    /// `clicks` guide the network (image voxels; 0 = background); `seeds` are the same clicks as the cut takes
    /// them. Where two cut labels claim a voxel, the one the network finds likelier keeps it.
    public static func editSettled(_ model: SegmentationModel, _ prepared: PreparedImage, image: Volume, clicks: ClickSet,
                                   seeds: Seeds, options: GraphCutOptions = GraphCutOptions()) throws -> LabelVolume {
        let config = model.config
        precondition(!config.kind.isDeepGrow, "DeepGrow segments one structure: use growSettled")
        let p = probabilities(model, image: prepared.image, shape: prepared.shape, clicks: toModel(clicks, prepared.space))
        var options = options
        options.window = options.window ?? prepared.window
        var out = prepared.space.labelMap(probabilities: p, classes: config.outChannels, values: [0] + config.labels.map(\.value))
        let n = prepared.space.grid.voxelCount
        var claimed = [Float](repeating: -1, count: out.voxels.count)
        for (index, label) in config.labels.enumerated() where !(seeds.foreground[label.value] ?? []).isEmpty {
            let channel = index + 1
            let onImage = Volume(grid: prepared.space.grid, voxels: Array(p[channel * n..<(channel + 1) * n]))
                .resampled(to: prepared.space.image, outside: 0).voxels
            let cut = try GraphCutSegmenter.refine(image, probabilities: onImage, label: label.value, seeds: seeds.against(label.value),
                                                   options: options)
            for v in out.voxels.indices {
                if cut.labels.voxels[v] == label.value {
                    if onImage[v] > claimed[v] { out.voxels[v] = label.value; claimed[v] = onImage[v] }
                } else if out.voxels[v] == label.value && claimed[v] < 0 {
                    out.voxels[v] = 0
                }
            }
        }
        return out
    }
}

extension ClickSet {
    /// The clicks as a graph cut's seeds: a ball of `radiusMM` around each, as the app's click tool draws them
    /// (`Seeds(clicks:)`; the channels' order stands for the clicks', negative ones last).
    public func seeds(radiusMM: Double, grid: Grid) -> Seeds {
        let positive = byLabel.filter { $0.key != 0 }.sorted { $0.key < $1.key }.flatMap { label, voxels in
            voxels.map { Click($0, label: label, positive: true) }
        }
        return Seeds(clicks: positive + background.map { Click($0, label: 0, positive: false) }, radiusMM: radiusMM, grid: grid)
    }
}

extension Grid {
    /// `values` on this grid inside `box` (clipped to the grid), `value` everywhere else.
    func keeping(_ values: [Float], inside box: VoxelBox, elsewhere value: Float) -> [Float] {
        let box = box.clipped(to: self)
        var out = [Float](repeating: value, count: values.count)
        for k in box.lower.k..<box.upper.k {
            for j in box.lower.j..<box.upper.j {
                let row = offset(box.lower.i, j, k)..<offset(box.upper.i, j, k)
                out.replaceSubrange(row, with: values[row])
            }
        }
        return out
    }
}
