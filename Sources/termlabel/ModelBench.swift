// `termlabel bench models`: click → updated mask, as the app does it (image prepared once per study, then each
// click: guidance, network, mask back on the image grid), for DeepGrow 2D on a CT study and for DeepGrow 3D and
// DeepEdit on a 128³ region. `…_click_128` runs the network on all 128³ voxels; `…_settled_128` adds the graph cut
// that settles a 3D answer on the image; `…_shipped_settled_128` is the app's click with the models as shipped
// (DeepGrow 3D's 4 mm crop, DeepEdit's 3 mm windows) on a 128³ region at 2 mm. Weights are random: the network's
// time does not depend on them, but the cut's does. It covers what the model labels, and a random network labels
// at random, so its cut spans the whole region, with the costs at their least decisive: the settled figures are an
// upper bound. On real structures, the click robot's seconds per call tell.

import ArgumentParser
import Foundation
import Learning
import Segmenters
import Volume
import VolumeTesting

struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Click-to-mask latency of DeepGrow 2D, DeepGrow 3D and DeepEdit (release build)."
    )

    @Option(help: "Clicks timed per model (the median is reported).")
    var repeats = 7

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Only the figures whose names contain this (e.g. deepedit).")
    var only: String?

    func run() throws {
        let labels = AbdomenPhantom.labelNames.enumerated().map { ModelLabel(value: UInt16($0.offset + 1), name: $0.element) }
        // A CT study like the samples (160×160×56, 1.8×1.8×2.9 mm).
        let study = AbdomenPhantom.make(seed: 1001, orientation: "LPS")
        let liver = study.labels.voxels.indices.filter { study.labels.voxels[$0] == 1 }
        let centre = voxel(liver[liver.count / 2], study.image.grid)
        try time("deepgrow2d_click", model: ModelConfig.defaults(.deepgrow2d, labels: [], modality: "CT"), image: study.image) { model, prepared in
            _ = try Inference.grow(model, prepared, foreground: [centre], background: [])
        }
        // A 128³ region at the model's own voxel size.
        let region = AbdomenPhantom.make(seed: 1002, shape: [128, 128, 128], spacing: [2.5, 2.5, 2.5])
        let middle = VoxelIndex(64, 64, 64)
        var grow3d = ModelConfig.defaults(.deepgrow3d, labels: [], modality: "CT")
        grow3d.spacingMM = [nil, nil, nil]
        grow3d.patch = [128, 128, 128]
        let corner = VoxelIndex(10, 10, 10)
        let seeds = Seeds(positive: [middle], negative: [corner], label: 1, radiusMM: 3, grid: region.image.grid)
        let clicks = ClickSet([1: [middle], 0: [corner]])
        try time("deepgrow3d_click_128", model: grow3d, image: region.image) { model, prepared in
            _ = try Inference.grow(model, prepared, foreground: [middle], background: [corner])
        }
        try time("deepgrow3d_settled_128", model: grow3d, image: region.image) { model, prepared in
            _ = try Inference.growSettled(model, prepared, image: region.image, foreground: [middle], background: [corner],
                                          seeds: seeds, label: 1)
        }
        var edit = ModelConfig.defaults(.deepedit, labels: labels, modality: "CT")
        edit.spacingMM = [nil, nil, nil]
        edit.window = [128, 128, 128]
        try time("deepedit_click_128", model: edit, image: region.image) { model, prepared in
            _ = Inference.segment(model, prepared, clicks: clicks)
        }
        try time("deepedit_settled_128", model: edit, image: region.image) { model, prepared in
            _ = try Inference.editSettled(model, prepared, image: region.image, clicks: clicks, seeds: seeds)
        }
        // The same 128³ region at 2 mm, with the models as shipped: DeepGrow 3D's 4 mm crop and DeepEdit's 3 mm
        // sliding windows; each answer settled on the region's own voxels.
        let fine = AbdomenPhantom.make(seed: 1002, shape: [128, 128, 128], spacing: [2, 2, 2])
        let fineSeeds = Seeds(positive: [middle], negative: [corner], label: 1, radiusMM: 3, grid: fine.image.grid)
        try time("deepgrow3d_shipped_settled_128", model: ModelConfig.defaults(.deepgrow3d, labels: [], modality: "CT"), image: fine.image) { model, prepared in
            _ = try Inference.growSettled(model, prepared, image: fine.image, foreground: [middle], background: [corner],
                                          seeds: fineSeeds, label: 1)
        }
        try time("deepedit_shipped_settled_128", model: ModelConfig.defaults(.deepedit, labels: labels, modality: "CT"), image: fine.image) { model, prepared in
            _ = try Inference.editSettled(model, prepared, image: fine.image, clicks: clicks, seeds: fineSeeds)
        }
    }

    func voxel(_ n: Int, _ grid: Grid) -> VoxelIndex {
        VoxelIndex(n % grid.shape[0], (n / grid.shape[0]) % grid.shape[1], n / (grid.shape[0] * grid.shape[1]))
    }

    func time(_ name: String, model config: ModelConfig, image: Volume,
              _ click: @escaping (SegmentationModel, PreparedImage) throws -> Void) throws {
        if let only, !name.contains(only) { return }
        let model = try SegmentationModel(config: config, seed: 1)
        let start = DispatchTime.now()
        let prepared = PreparedImage(image, config: config)
        let preparing = seconds(since: start)
        // On a worker thread, as the app runs a model call (a thread's memory comes from its own malloc arena).
        let timing = ClickTiming(click, model: model, prepared: prepared)
        let done = DispatchSemaphore(value: 0)
        let repeats = repeats
        DispatchQueue.global(qos: .userInitiated).async {
            timing.run(repeats: repeats)
            done.signal()
        }
        done.wait()
        if let failure = timing.failure { throw failure }
        var times = timing.times
        times.sort()
        printFigure(name, ["seconds": times[times.count / 2], "prepare_seconds": preparing, "peak_rss_mb": Double(ProcessMemory.resident().peak) / 1_048_576], json: json)
    }
}

/// One model's clicks timed on another thread; the caller reads the figures only after the thread signalled.
final class ClickTiming: @unchecked Sendable {
    let click: (SegmentationModel, PreparedImage) throws -> Void
    let model: SegmentationModel
    let prepared: PreparedImage
    var times: [Double] = []
    var failure: Error?

    init(_ click: @escaping (SegmentationModel, PreparedImage) throws -> Void, model: SegmentationModel, prepared: PreparedImage) {
        self.click = click
        self.model = model
        self.prepared = prepared
    }

    /// A warm-up click, then `repeats` timed clicks.
    func run(repeats: Int) {
        for n in 0...repeats {
            let start = DispatchTime.now()
            if case .failure(let error) = Result(catching: { try click(model, prepared) }) {
                failure = error
                return
            }
            if n > 0 { times.append(seconds(since: start)) }
        }
    }
}
