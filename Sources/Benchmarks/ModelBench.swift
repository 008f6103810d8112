// `termlabel bench models`: click → updated mask, as the app does it (image prepared once per study, then each click:
// guidance, network, mask back on the image grid), for DeepGrow 2D on a CT study (`deepgrow2d_settled`: its answer as
// the app gives it, settled on the clicked slice) and for DeepGrow 3D and DeepEdit on a 128³ region. `…_click_128`
// runs the network on all 128³ voxels; `…_settled_128` adds the graph cut that settles a 3D answer on the image;
// `…_shipped_settled_128` is the app's click with the models as shipped (the generic DeepGrow 3D's 3 mm crop,
// DeepEdit's 3 mm windows) on a 128³ region at 2 mm. DeepGrow runs the shipped generic weights, DeepEdit random ones,
// unless `--trained DIR` loads a folder's trained models onto the same grids. The network's time does not depend on
// the weights, but the settling cut's does: a random network labels noise across the whole region, which the cut,
// with the intensities in its likelihood, takes seconds to untangle. The trained figures are those of real answers,
// as are the click robot's seconds per call.

import App
import ArgumentParser
import CommandOptions
import Datastore
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

    @Option(help: "A study folder whose trained models (termlabel train) run instead of random weights, on the same grids.")
    var trained: String?

    func run() throws {
        try measure(shelf: trained.map { ModelShelf(database: try AppDatabase(folder: $0)) })
    }

    func measure(shelf: ModelShelf?) throws {
        let labels = AbdomenPhantom.labelNames.enumerated().map { ModelLabel(value: UInt16($0.offset + 1), name: $0.element) }
        /// The trained model of `kind` (`--trained`), else the shipped generic one (DeepGrow), else the kind's default
        /// configuration with random weights; `adapt` sets the grid a figure runs on.
        func model(_ kind: ModelKind, _ adapt: (inout ModelConfig) -> Void = { _ in }) throws -> SegmentationModel {
            var source: (path: String, model: SegmentationModel)?
            if let shelf {
                guard let trained = try shelf.current(kind) else {
                    throw ModelError.noModel([kind], hint: "train one first (termlabel train \(self.trained!) --model \(kind.rawValue))")
                }
                source = (trained.record.weightsPath, trained.model)
            } else if let path = GenericModels.shipped.weights(kind) {
                source = (path, try SegmentationModel.load(path))
            }
            var config = source?.model.config ?? ModelConfig.defaults(kind, labels: kind.isDeepGrow ? [] : labels, modality: "CT")
            adapt(&config)
            let model = try SegmentationModel(config: config, seed: 1)
            if let source { try model.network.load(source.model.withNetwork { $0.namedTensors }, from: source.path) }
            return model
        }
        // A CT study like the samples (160×160×56, 1.8×1.8×2.9 mm).
        let study = AbdomenPhantom.make(seed: 1001, orientation: "LPS")
        let liver = study.labels.voxels.indices.filter { study.labels.voxels[$0] == 1 }
        let centre = study.image.grid.voxel(atOffset: liver[liver.count / 2])
        try time("deepgrow2d_click", model: { try model(.deepgrow2d) }, image: study.image) { model, prepared in
            _ = try Inference.grow(model, prepared, foreground: [centre], background: [])
        }
        // As the app answers a 2D click: settled on its slice.
        let likelihood2D = try shelf.map { try $0.current(.deepgrow2d)?.record.settlingLikelihood ?? .model } ?? .seeds
        let clicks2D = ClickSet([1: [centre]])
        try time("deepgrow2d_settled", model: { try model(.deepgrow2d) }, image: study.image) { model, prepared in
            _ = try Inference.answer(model, prepared, image: study.image, clicks: clicks2D, label: 1,
                                     settlingWith: clicks2D.seeds(radiusMM: 3, grid: study.image.grid), likelihood: likelihood2D)
        }
        // A 128³ region at the model's own voxel size.
        let region = AbdomenPhantom.make(seed: 1002, shape: [128, 128, 128], spacing: [2.5, 2.5, 2.5])
        let middle = VoxelIndex(64, 64, 64)
        let grow3d = { try model(.deepgrow3d) { $0.spacingMM = [nil, nil, nil]; $0.patch = [128, 128, 128] } }
        let corner = VoxelIndex(10, 10, 10)
        let seeds = Seeds(positive: [middle], negative: [corner], label: 1, radiusMM: 3, grid: region.image.grid)
        let clicks = ClickSet([1: [middle], 0: [corner]])
        try time("deepgrow3d_click_128", model: grow3d, image: region.image) { model, prepared in
            _ = try Inference.grow(model, prepared, foreground: [middle], background: [corner])
        }
        try time("deepgrow3d_settled_128", model: grow3d, image: region.image) { model, prepared in
            _ = try Inference.growSettled(model, prepared, image: region.image, foreground: [middle], background: [corner],
                                          seeds: seeds, label: 1, likelihood: .model)
        }
        let edit = { try model(.deepedit) { $0.spacingMM = [nil, nil, nil]; $0.window = [128, 128, 128] } }
        try time("deepedit_click_128", model: edit, image: region.image) { model, prepared in
            _ = Inference.segment(model, prepared, clicks: clicks)
        }
        try time("deepedit_settled_128", model: edit, image: region.image) { model, prepared in
            _ = try Inference.editSettled(model, prepared, image: region.image, clicks: clicks, seeds: seeds)
        }
        // The same 128³ region at 2 mm, with the models as shipped: DeepGrow 3D's 3 mm crop and DeepEdit's 3 mm
        // sliding windows; each answer settled on the region's own voxels.
        let fine = AbdomenPhantom.make(seed: 1002, shape: [128, 128, 128], spacing: [2, 2, 2])
        let fineSeeds = Seeds(positive: [middle], negative: [corner], label: 1, radiusMM: 3, grid: fine.image.grid)
        // Settled as the app settles the model that runs: the generic one with the seeds' likelihood.
        let likelihood = try shelf.map { try $0.current(.deepgrow3d)?.record.settlingLikelihood ?? .model } ?? .seeds
        try time("deepgrow3d_shipped_settled_128", model: { try model(.deepgrow3d) }, image: fine.image) { model, prepared in
            _ = try Inference.growSettled(model, prepared, image: fine.image, foreground: [middle], background: [corner],
                                          seeds: fineSeeds, label: 1, likelihood: likelihood)
        }
        try time("deepedit_shipped_settled_128", model: { try model(.deepedit) }, image: fine.image) { model, prepared in
            _ = try Inference.editSettled(model, prepared, image: fine.image, clicks: clicks, seeds: fineSeeds)
        }
    }

    func time(_ name: String, model make: () throws -> SegmentationModel, image: Volume,
              _ click: @escaping (SegmentationModel, PreparedImage) throws -> Void) throws {
        if let only, !name.contains(only) { return }
        let model = try make()
        let baseline = ProcessMemory.startPeak()
        let start = DispatchTime.now()
        let prepared = PreparedImage(image, config: model.config)
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
        printFigure(name, ["seconds": times[times.count / 2], "prepare_seconds": preparing, "peak_rss_mb": ProcessMemory.peakMB(started: baseline)], json: json)
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
