// Training on the studies the annotators have finished. Each step takes a random crop (around a structure or
// anywhere), augments it, simulates the clicks a user would have made (MONAI's recipes, shortened to fit a CPU),
// and takes one Adam step on Dice + cross-entropy. Every epoch ends with validation Dice on held-out studies; the
// best model so far is handed to `checkpoint` to be saved and registered.

import Engine
import Foundation
import Randomness
import Segmenters
import Volume

public struct TrainingCase: Sendable {
    public var id: String
    public var image: Volume
    public var labels: LabelVolume

    public init(id: String, image: Volume, labels: LabelVolume) {
        self.id = id
        self.image = image
        self.labels = labels
    }
}

public struct TrainingOptions: Sendable {
    public var epochs = 10
    public var stepsPerEpoch = 20
    /// Adam's learning rate at the start (it decays along a cosine).
    public var learningRate: Float = 3e-3
    /// Crops per step for 2D models (3D takes one).
    public var planarBatch = 4
    public var seed: UInt64 = 1
    /// Share of the studies held out for validation (at least one when there are two or more; 0: none, and
    /// validation runs on the training studies).
    public var validationShare = 0.2
    /// The studies to validate on, as the folder's stored split says (the others train); nil: the last
    /// `validationShare` of the studies by id. Empty: validation runs on the training studies.
    public var validationStudies: [String]?
    /// DeepEdit: share of steps with simulated clicks (the rest train automatic mode).
    public var interactiveShare = 0.8
    /// DeepEdit: share of the steps with clicks whose structures' intensities are shifted (`shiftStructures`).
    public var structureShiftShare = 0.5
    /// DeepGrow: at most this many rounds of predict-then-click after the first click; nil: MONAI's 10 for 2D,
    /// and 4 for 3D (each round is a forward pass of a 3D crop, the dearest part of a step on a CPU; with 2, the
    /// model answered later clicks less well).
    public var clickRounds: Int?
    public var cancellation: Cancellation?
    /// Training studies drawn in `favouredShare` of the steps (a folder's own among many synthetic ones).
    public var favoured: Set<String> = []
    public var favouredShare = 0.2
    /// Names for DeepGrow's per-structure validation figures (label value → name).
    public var labelNames: [UInt16: String] = [:]
    /// DeepGrow: how validation answers clicks. With a likelihood, as the model's answers are served: the click
    /// robot's `validationClicks` clicks (each at the centre of the largest error), every answer settled with it on
    /// the validation study's image and judged there, and the figure the mean Dice over those clicks; so that a
    /// model is chosen for its answers to corrections as much as to the first click, and a generic model (settled on
    /// the seeds' likelihood) and one trained on the folder (on its own probability) compare on what the user would
    /// get. Nil: the network's own answer to one centre click, on the model grid.
    public var validationSettling: SettlingLikelihood? = .model
    public var validationClicks = 5

    /// How many of `count` studies validation holds out: `validationShare` of them, at least one where there are two
    /// or more (none with one study: validation then runs on it).
    public func heldOut(of count: Int) -> Int {
        count >= 2 && validationShare > 0 ? max(1, Int((Double(count) * validationShare).rounded())) : 0
    }

    /// For a model of `kind`, how many robot clicks its validation figure spans (0: DeepGrow's network's own answer
    /// to one click); nil for the kinds validated without clicks. Models compare only on figures made alike.
    public func clicksScored(_ kind: ModelKind) -> Int? {
        guard kind.isDeepGrow else { return nil }
        return validationSettling == nil ? 0 : max(1, validationClicks)
    }

    public init() {}
}

public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var step: Int
    public var stepsPerEpoch: Int
    public var loss: Float
    /// Validation Dice per label name after the last finished epoch.
    public var validation: [String: Double]
    public var bestDice: Double?
    public var elapsedSeconds: Double
    public var secondsLeft: Double?

    public var meanDice: Double? { validation.isEmpty ? nil : validation.values.reduce(0, +) / Double(validation.count) }
}

public struct TrainingSummary: Sendable {
    public var epochs: Int
    public var bestEpoch: Int?
    public var bestDice: Double
    public var validation: [String: Double]
    public var trainedOn: [String]
    public var validatedOn: [String]
    public var seconds: Double
    /// `TrainingOptions.clicksScored` for the model trained.
    public var clicksScored: Int?
}

public final class Trainer {
    public let model: SegmentationModel
    public let options: TrainingOptions
    let training: [Prepared]
    /// The training studies `options.favoured` names.
    let favoured: [Prepared]
    let validation: [Prepared]
    /// Reads a study as it is on disk: settled validation answers on the image, as the model's answers are served.
    let load: (String) throws -> TrainingCase
    var generator: SplitMix
    /// Per study, the label values that a model of named labels (DeepEdit, automatic) does not learn: the folder's
    /// labels do not name them, so they train as background.
    let unnamedLabels: [(study: String, values: [UInt16])]

    /// A case on the model grid: normalised image, class per voxel (DeepEdit/automatic: channel index; DeepGrow: the
    /// label value), and the voxels of each class to centre crops on.
    struct Prepared {
        var id: String
        var image: [Float]
        var classes: [UInt16]
        var shape: [Int]
        var voxelsOf: [UInt16: [Int]]
        /// DeepGrow 2D: each (structure, axial slice) pair, with the structure's voxels on that slice.
        var sections: [(structure: UInt16, voxels: [Int])] = []
    }

    public convenience init(model: SegmentationModel, cases: [TrainingCase], options: TrainingOptions = TrainingOptions()) throws {
        let byId = Dictionary(cases.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        try self.init(model: model, studies: cases.map(\.id), options: options) { byId[$0]! }
    }

    /// Studies loaded one at a time and kept only on the model grid, so a folder of large volumes never sits in
    /// memory whole.
    public init(model: SegmentationModel, studies ids: [String], options: TrainingOptions = TrainingOptions(),
                load: @escaping (String) throws -> TrainingCase) throws {
        guard !ids.isEmpty else { throw ModelError.nothingToTrainOn }
        self.model = model
        self.options = options
        self.load = load
        generator = SplitMix(seed: options.seed)
        let config = model.config
        let channelOf = Dictionary(config.labels.enumerated().map { ($0.element.value, UInt16($0.offset + 1)) }, uniquingKeysWith: { a, _ in a })
        var unnamed: [(study: String, values: [UInt16])] = []
        let prepared = try ids.sorted().map { id -> Prepared in
            let c = try load(id)
            if !config.kind.isDeepGrow {
                let values = c.labels.labelsPresent.filter { channelOf[$0] == nil }
                if !values.isEmpty { unnamed.append((c.id, values)) }
            }
            let space = ModelSpace(image: c.image.grid, spacingMM: config.spacingMM)
            let image = space.image(c.image, normalisation: config.intensity)
            var classes = space.labels(c.labels)
            if !config.kind.isDeepGrow { classes = classes.map { channelOf[$0] ?? 0 } }
            var voxelsOf: [UInt16: [Int]] = [:]
            for (n, v) in classes.enumerated() where v != 0 { voxelsOf[v, default: []].append(n) }
            var prepared = Prepared(id: c.id, image: image, classes: classes, shape: space.grid.shape, voxelsOf: voxelsOf)
            if config.kind == .deepgrow2d {
                let plane = space.grid.shape[0] * space.grid.shape[1]
                for (value, voxels) in voxelsOf.sorted(by: { $0.key < $1.key }) {
                    prepared.sections += Dictionary(grouping: voxels, by: { $0 / plane }).sorted { $0.key < $1.key }.map { (value, $0.value) }
                }
            }
            return prepared
        }
        if let chosen = options.validationStudies.map(Set.init) {
            training = prepared.filter { !chosen.contains($0.id) }
            let held = prepared.filter { chosen.contains($0.id) }
            validation = held.isEmpty ? training : held
        } else {
            let held = options.heldOut(of: prepared.count)
            training = Array(prepared.dropLast(held))
            // With a single study, validation runs on it (the figure then says how well it fits, not how it generalises).
            validation = held > 0 ? Array(prepared.suffix(held)) : prepared
        }
        favoured = training.filter { options.favoured.contains($0.id) }
        unnamedLabels = unnamed
    }

    /// What the run says of `unnamedLabels`, nil where there are none: a subset of the structures may be meant
    /// (a liver model from fully labeled abdomens), or the files may number them otherwise than the folder does.
    public var unnamedLabelsNotice: String? {
        guard !unnamedLabels.isEmpty else { return nil }
        let values = Set(unnamedLabels.flatMap(\.values)).sorted().map(String.init)
        let studies = unnamedLabels.map(\.study)
        let named = model.config.labels.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
        let one = values.count == 1
        return "label \(one ? "value" : "values") \(values.joined(separator: ", ")) (in \(studies.prefix(3).joined(separator: ", "))"
            + (studies.count > 3 ? " and \(studies.count - 3) more" : "") + ") \(one ? "is" : "are") not among the folder's labels ("
            + named + ") and \(one ? "trains" : "train") as background"
    }

    public var trainingIds: [String] { training.map(\.id) }
    public var validationIds: [String] { validation.map(\.id) }

    /// Validation Dice per label of the model as it is, on the validation studies (no training).
    public func validationDice() throws -> [String: Double] { try validate() }

    /// Trains; `checkpoint` receives the model after each epoch that improves validation Dice (with the figures).
    public func run(progress: (TrainingProgress) -> Void = { _ in },
                    checkpoint: (SegmentationModel, TrainingSummary) throws -> Void = { _, _ in }) throws -> TrainingSummary {
        guard !training.isEmpty else { throw ModelError.everyStudyValidates }
        let optimizer = Optimizer.adam(model.network.parameters, learningRate: options.learningRate)
        // Cosine decay to a twentieth: large steps while far off, small ones to settle.
        let total = Float(max(1, options.epochs * options.stepsPerEpoch)), peak = options.learningRate
        optimizer.schedule = { step in peak * (0.05 + 0.95 * 0.5 * (1 + cos(Float.pi * Float(step - 1) / total))) }
        let start = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        var summary = TrainingSummary(epochs: 0, bestEpoch: nil, bestDice: -1, validation: [:], trainedOn: trainingIds,
                                      validatedOn: validationIds, seconds: 0, clicksScored: options.clicksScored(model.config.kind))
        var report = TrainingProgress(epoch: 0, epochs: options.epochs, step: 0, stepsPerEpoch: options.stepsPerEpoch, loss: .nan,
                                      validation: [:], bestDice: nil, elapsedSeconds: 0, secondsLeft: nil)
        let totalSteps = options.epochs * options.stepsPerEpoch
        for epoch in 1...max(1, options.epochs) {
            report.epoch = epoch
            for step in 1...options.stepsPerEpoch {
                if options.cancellation?.isCancelled == true { throw CancellationError() }
                let (input, target) = batch()
                let loss: Float = model.withNetwork { network in
                    let tape = Tape(recording: true)
                    let loss = tape.diceCE(logits: network(tape, Variable(input)), labels: target)
                    optimizer.zeroGradients()
                    tape.backward(loss)
                    optimizer.update()
                    return loss.value.data[0]
                }
                let done = (epoch - 1) * options.stepsPerEpoch + step
                report.step = step
                report.loss = report.loss.isNaN ? loss : 0.9 * report.loss + 0.1 * loss
                report.elapsedSeconds = elapsed()
                report.secondsLeft = report.elapsedSeconds / Double(done) * Double(totalSteps - done)
                progress(report)
            }
            let dice = try validate()
            report.validation = dice
            summary.epochs = epoch
            let mean = report.meanDice ?? 0
            if mean > summary.bestDice {
                summary.bestDice = mean
                summary.bestEpoch = epoch
                summary.validation = dice
                summary.seconds = elapsed()
                try checkpoint(model, summary)
            }
            report.bestDice = summary.bestDice
            progress(report)
        }
        summary.seconds = elapsed()
        return summary
    }

    // MARK: - One step's data

    /// Input and class indices for one step.
    func batch() -> (Tensor, Tensor) {
        let config = model.config
        let count = config.kind.spatialDims == 2 ? options.planarBatch : 1
        var inputs: [Float] = [], targets: [Float] = []
        var size = config.patch
        for _ in 0..<count {
            let (input, target, cropSize) = sample()
            inputs += input
            targets += target
            size = cropSize
        }
        return (Tensor(shape: [count, config.inChannels, size[2], size[1], size[0]], data: inputs),
                Tensor(shape: [count, 1, size[2], size[1], size[0]], data: targets))
    }

    /// A training study: one of the favoured ones in `favouredShare` of the draws, else any.
    func drawStudy() -> Prepared {
        if !favoured.isEmpty && favoured.count < training.count && generator.nextUnit() < options.favouredShare {
            return favoured[Int(generator.next() % UInt64(favoured.count))]
        }
        return training[Int(generator.next() % UInt64(training.count))]
    }

    /// The structure a crop is about (nil: none) and the voxel it is centred on. DeepGrow learns one structure at a
    /// time, always in view; the others see a structure half the time. DeepGrow 2D draws a (structure, slice) pair,
    /// as MONAI's slice-wise dataset does, so that a structure is seen as often as it has sections to click on.
    func drawCentre(in c: Prepared) -> (structure: UInt16?, offset: Int) {
        let config = model.config
        if config.kind == .deepgrow2d && !c.sections.isEmpty {
            let section = c.sections[Int(generator.next() % UInt64(c.sections.count))]
            return (section.structure, section.voxels[Int(generator.next() % UInt64(section.voxels.count))])
        }
        let present = c.voxelsOf.keys.sorted()
        let structure: UInt16? = present.isEmpty ? nil : present[Int(generator.next() % UInt64(present.count))]
        if let structure, config.kind.isDeepGrow || generator.nextUnit() < 0.5 {
            let voxels = c.voxelsOf[structure]!
            return (structure, voxels[Int(generator.next() % UInt64(voxels.count))])
        }
        return (structure, Int(generator.next() % UInt64(c.classes.count)))
    }

    /// One crop: its input channels (flattened) and its classes (0/1 for DeepGrow).
    func sample() -> ([Float], [Float], [Int]) {
        let config = model.config
        let planar = config.kind.spatialDims == 2
        let c = drawStudy()
        var size = config.patch
        if planar { size[2] = 1 }
        let (structure, centreOffset) = drawCentre(in: c)
        let centre = VoxelIndex(centreOffset % c.shape[0], (centreOffset / c.shape[0]) % c.shape[1], centreOffset / (c.shape[0] * c.shape[1]))
        var origin = Patches.box(around: centre, size: size, shape: c.shape)
        if planar { origin.k = centre.k }
        let grid = ChannelGrid(shape: c.shape, channels: [c.image, c.classes.map(Float.init)])
        let crop = grid.crop(origin: origin, size: size).data
        let n = size.reduce(1, *)
        var image = Array(crop[0..<n])
        var classes = crop[n..<2 * n].map { UInt16($0) }
        if config.kind.isDeepGrow, let structure { classes = classes.map { $0 == structure ? 1 : 0 } }
        let augmentation = Augmentation.random(geometric: config.kind.isDeepGrow, planar: planar, square: size[0] == size[1],
                                               generator: &generator)
        image = augmentation.intensity(augmentation.apply(image, shape: size))
        classes = augmentation.apply(classes, shape: size)
        var clicks = ClickSet()
        if config.kind == .deepedit {
            if generator.nextUnit() < options.interactiveShare {
                if generator.nextUnit() < options.structureShiftShare { image = shiftStructures(image, classes: classes) }
                clicks = simulateClicks(image: image, truth: classes, shape: size)
            }
        } else {
            clicks = simulateClicks(image: image, truth: classes, shape: size)
        }
        let input = Inference.channels(config, image: image, clicks: clicks, shape: size).flatMap { $0 }
        return (input, classes.map(Float.init), size)
    }

    /// The clicks a user would have made on this crop before the model's answer is graded.
    func simulateClicks(image: [Float], truth: [UInt16], shape: [Int]) -> ClickSet {
        let config = model.config
        var clicks = ClickSet()
        var random: SplitMix? = generator
        defer { generator = random! }
        switch config.kind {
        case .auto:
            return clicks
        case .deepgrow2d, .deepgrow3d:
            // A first click inside the structure, then rounds of "predict, click the error".
            guard let first = ClickSimulation.nextClick(prediction: [UInt16](repeating: 0, count: truth.count), truth: truth,
                                                        shape: shape, generator: &random) else { return clicks }
            clicks.add(first.voxel, label: first.label)
            let most = options.clickRounds ?? (config.kind == .deepgrow2d ? 10 : 4)
            let rounds = Int(random!.next() % UInt64(most + 1))
            for _ in 0..<rounds {
                let prediction = predict(image: image, clicks: clicks, shape: shape)
                guard let click = ClickSimulation.nextClick(prediction: prediction, truth: truth, shape: shape, generator: &random) else { break }
                clicks.add(click.voxel, label: click.label)
            }
        case .deepedit:
            // A click inside some of the classes present (each label half the time, at least one; background
            // always), then clicks on the model's errors. An annotator works on a label or two at a time: the
            // model must learn what one label's clicks mean while the other labels' maps stay empty.
            let present = Set(truth).sorted()
            let labelled = present.filter { $0 != 0 }
            var chosen = labelled.filter { _ in random!.nextUnit() < 0.5 }
            if chosen.isEmpty, let any = labelled.randomElement(using: &random!) { chosen = [any] }
            for value in present where value == 0 || chosen.contains(value) {
                let inside = truth.map { $0 == value ? UInt16(1) : 0 }
                if let click = ClickSimulation.nextClick(prediction: [UInt16](repeating: 0, count: truth.count), truth: inside,
                                                         shape: shape, generator: &random) {
                    clicks.add(click.voxel, label: value == 0 ? 0 : config.labels[Int(value) - 1].value)
                }
            }
            let prediction = predict(image: image, clicks: clicks, shape: shape)
            for _ in 0..<(1 + Int(random!.next() % 3)) {
                guard let click = ClickSimulation.nextClick(prediction: prediction, truth: truth, shape: shape, generator: &random) else { break }
                clicks.add(click.voxel, label: click.label == 0 ? 0 : config.labels[Int(click.label) - 1].value)
            }
        }
        return clicks
    }

    /// The image with each structure's intensities moved by its own random step (up to 0.3 of the window, about
    /// 130 HU on the CT window, as far as a bright lesion lies from a dark one): contrasts between structures fade,
    /// swap or grow. Where the image no longer tells two structures apart, only the clicks do; without such crops
    /// DeepEdit fits its few training studies from the image alone and learns to ignore its click channels.
    func shiftStructures(_ image: [Float], classes: [UInt16]) -> [Float] {
        let shifts = (0...model.config.labels.count).map { $0 == 0 ? Float(0) : Float(-0.3 + 0.6 * generator.nextUnit()) }
        return image.indices.map { image[$0] + shifts[Int(classes[$0])] }
    }

    /// The model's classes for one crop with these clicks (no gradient).
    func predict(image: [Float], clicks: ClickSet, shape: [Int]) -> [UInt16] {
        let config = model.config
        let input = Inference.channels(config, image: image, clicks: clicks, shape: shape).flatMap { $0 }
        let p = model.probabilities(Tensor(shape: [1, config.inChannels, shape[2], shape[1], shape[0]], data: input))
        return Trainer.argmax(p.data, classes: config.outChannels)
    }

    static func argmax(_ probabilities: [Float], classes: Int) -> [UInt16] {
        let n = probabilities.count / classes
        return (0..<n).map { v in
            var best = 0
            for c in 1..<classes where probabilities[c * n + v] > probabilities[best * n + v] { best = c }
            return UInt16(best)
        }
    }

    // MARK: - Validation

    /// Dice per label name on the validation studies: automatic mode for DeepEdit and automatic models, and for
    /// DeepEdit also with one click in each label ("<name> clicked"); for DeepGrow, each structure clicked as
    /// `TrainingOptions.validationSettling` says (2D: on the structure's largest axial slice).
    func validate() throws -> [String: Double] {
        let config = model.config
        var sums: [String: (Double, Int)] = [:]
        for c in validation {
            if config.kind.isDeepGrow {
                // Settled answers are judged on the study as it is on disk, read again (the trainer keeps the model
                // grid's), prepared once for all its structures (the image's window is found at the first answer).
                let study = try options.validationSettling.map { settling in
                    let read = try load(c.id)
                    return (settling: settling, case: read, prepared: PreparedImage(normalised: c.image, of: read.image, config: config))
                }
                for (value, voxels) in c.voxelsOf.sorted(by: { $0.key < $1.key }) {
                    let name = options.labelNames[value] ?? "label \(value)"
                    let d = try study.map { try settledClickDice($0.case, prepared: $0.prepared, structure: value, settling: $0.settling) }
                        ?? clickDice(c, structure: value, voxels: voxels)
                    let old = sums[name] ?? (0, 0)
                    sums[name] = (old.0 + d, old.1 + 1)
                }
            } else {
                // Automatic; DeepEdit also with one click at the deepest voxel of every label, since it is chosen
                // for how it answers clicks as much as for its automatic answer.
                var passes = [("", ClickSet())]
                if config.kind == .deepedit {
                    var clicked = ClickSet()
                    for (n, label) in config.labels.enumerated() where c.voxelsOf[UInt16(n + 1)] != nil {
                        let inside = c.classes.map { $0 == UInt16(n + 1) ? UInt16(1) : 0 }
                        var none: SplitMix? = nil
                        if let click = ClickSimulation.nextClick(prediction: [UInt16](repeating: 0, count: inside.count), truth: inside,
                                                                 shape: c.shape, generator: &none) {
                            clicked.add(click.voxel, label: label.value)
                        }
                    }
                    passes.append((" clicked", clicked))
                }
                for (suffix, clicks) in passes {
                    let p = Inference.probabilities(model, image: c.image, shape: c.shape, clicks: clicks)
                    let predicted = Trainer.argmax(p, classes: config.outChannels)
                    for (n, label) in config.labels.enumerated() where c.voxelsOf[UInt16(n + 1)] != nil {
                        let d = Trainer.dice(predicted, c.classes, class: UInt16(n + 1))
                        let old = sums[label.name + suffix] ?? (0, 0)
                        sums[label.name + suffix] = (old.0 + d, old.1 + 1)
                    }
                }
            }
        }
        return sums.mapValues { $0.0 / Double(max($0.1, 1)) }
    }

    /// DeepGrow's figure for one structure of a validation case without settling: the network's own answer to a
    /// click at the structure's centre (2D: on its largest axial slice), on the model grid.
    func clickDice(_ c: Prepared, structure value: UInt16, voxels: [Int]) -> Double {
        var truth = c.classes.map { $0 == value ? UInt16(1) : 0 }
        var shape = c.shape
        let plane = shape[0] * shape[1]
        var slice = 0
        if model.config.kind == .deepgrow2d {
            slice = Trainer.fullestSlice(of: voxels, plane: plane, slices: shape[2])
            truth = Array(truth[slice * plane..<(slice + 1) * plane])
            shape = [shape[0], shape[1], 1]
        }
        var none: SplitMix? = nil
        guard var click = ClickSimulation.nextClick(prediction: [UInt16](repeating: 0, count: truth.count), truth: truth,
                                                    shape: shape, generator: &none) else { return 1 }
        click.voxel.k += slice
        let grown = Inference.grow(model, image: c.image, shape: c.shape, clicks: ClickSet.deepGrow(foreground: [click.voxel], background: []))
        return Trainer.dice(grown.probability[slice * plane..<slice * plane + truth.count].map { $0 > 0.5 ? 1 : 0 }, truth, class: 1)
    }

    /// DeepGrow's figure for one structure settled with `settling`: the mean Dice of the answers to the robot's
    /// `validationClicks` clicks, each settled on the study's image as it is served and judged there (2D: on the
    /// structure's largest axial slice). `prepared` is the same study on the model grid.
    func settledClickDice(_ study: TrainingCase, prepared: PreparedImage, structure value: UInt16,
                          settling: SettlingLikelihood) throws -> Double {
        let grid = study.image.grid
        var truth = study.labels.voxels.map { $0 == value ? UInt16(1) : 0 }
        var shape = grid.shape
        let plane = shape[0] * shape[1]
        var slice = 0
        if model.config.kind == .deepgrow2d {
            slice = Trainer.fullestSlice(of: truth.indices.filter { truth[$0] == 1 }, plane: plane, slices: shape[2])
            truth = Array(truth[slice * plane..<(slice + 1) * plane])
            shape = [shape[0], shape[1], 1]
        }
        let judged = slice * plane..<slice * plane + truth.count
        var predicted = [UInt16](repeating: 0, count: truth.count), positive: [VoxelIndex] = [], negative: [VoxelIndex] = []
        var total = 0.0
        let clicks = max(1, options.validationClicks)
        for made in 0..<clicks {
            var robot: SplitMix? = nil
            // Nothing left to correct: the answer stands for the clicks not needed.
            guard var click = ClickSimulation.nextClick(prediction: predicted, truth: truth, shape: shape, generator: &robot) else {
                return (total + Double(clicks - made)) / Double(clicks)
            }
            click.voxel.k += slice
            if click.label == 1 { positive.append(click.voxel) } else { negative.append(click.voxel) }
            let set = ClickSet.deepGrow(foreground: positive, background: negative)
            let answer = try Inference.answer(model, prepared, image: study.image, clicks: set, label: 1,
                                              settlingWith: set.seeds(radiusMM: 3, grid: grid), likelihood: settling)
            predicted = answer.labels.voxels[judged].map { $0 == 1 ? 1 : 0 }
            total += Trainer.dice(predicted, truth, class: 1)
        }
        return total / Double(clicks)
    }

    /// The axial slice (voxel axis k) holding the most of a structure's voxels.
    static func fullestSlice(of voxels: [Int], plane: Int, slices: Int) -> Int {
        var counts = [Int](repeating: 0, count: slices)
        for v in voxels { counts[v / plane] += 1 }
        return counts.indices.max { counts[$0] < counts[$1] }!
    }

    /// Dice of one class between two label arrays (1 when neither has it).
    public static func dice(_ a: [UInt16], _ b: [UInt16], class c: UInt16) -> Double {
        var both = 0, inA = 0, inB = 0
        for n in a.indices {
            let x = a[n] == c, y = b[n] == c
            if x && y { both += 1 }
            if x { inA += 1 }
            if y { inB += 1 }
        }
        return inA + inB == 0 ? 1 : 2 * Double(both) / Double(inA + inB)
    }
}
