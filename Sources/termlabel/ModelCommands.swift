// `termlabel train`, `termlabel infer` and `termlabel model …`: the models headless, on a study folder's
// registry.

import ArgumentParser
import Datastore
import Engine
import Foundation
import Learning
import Volume

extension ModelKind: ExpressibleByArgument {}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on the folder's studies with final labels; each better checkpoint is registered."
    )

    @Argument(help: "A study folder.")
    var folder: String

    @Option(help: "deepedit, deepgrow2d, deepgrow3d or auto.")
    var model: ModelKind

    @Option(help: "Epochs (validation after each); default: the plan's (termlabel plan), else 10.")
    var epochs: Int?

    @Option(help: "Training steps per epoch; default: the plan's, else 20.")
    var steps: Int?

    @Option(help: "Adam's learning rate at the start (cosine decay to a twentieth).")
    var learningRate: Float = TrainingOptions().learningRate

    @Option(help: "DeepGrow: at most this many rounds of predict-then-click after the first click (default: 10 for 2D, 4 for 3D).")
    var clickRounds: Int?

    @Option(help: "DeepEdit: share of steps with simulated clicks; the rest train automatic mode.")
    var interactiveShare: Double = TrainingOptions().interactiveShare

    @Option(help: "Seed of the crops, augmentation and simulated clicks.")
    var seed: UInt64 = 1

    @Flag(help: "Start from fresh weights instead of the newest model of this kind.")
    var fresh = false

    func run() throws {
        do {
            let database = try AppDatabase(folder: folder)
            try database.sync()
            let shelf = ModelShelf(database: database)
            let model = try shelf.startingPoint(self.model, fresh: fresh, seed: seed)
            var options = TrainingOptions()
            let planned = try shelf.plan()?.model(self.model)
            options.epochs = epochs ?? planned?.epochs ?? 10
            options.stepsPerEpoch = steps ?? planned?.stepsPerEpoch ?? 20
            if let planned { options.planarBatch = planned.batch }
            options.learningRate = learningRate
            options.seed = seed
            options.clickRounds = clickRounds
            options.interactiveShare = interactiveShare
            options.labelNames = Dictionary(try shelf.labels().map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
            let trainer = try shelf.trainer(model, options: options)
            print("training \(self.model.rawValue) on \(trainer.trainingIds.joined(separator: ", ")); validating on \(trainer.validationIds.joined(separator: ", "))")
            let run = ModelShelf.runStamp()
            let bar = ProgressLine()
            let summary = try trainer.run(progress: { bar.show(TrainCommand.describe($0)) }) { model, summary in
                let record = try shelf.register(model, summary: summary, run: run)
                bar.finish("epoch \(summary.bestEpoch ?? 0): best so far, saved as \(record.name) (\(record.weightsPath))")
            }
            bar.finish("")
            print(String(format: "done in %.0f s: best validation Dice %.3f at epoch %d", summary.seconds, summary.bestDice, summary.bestEpoch ?? 0))
            for (name, dice) in summary.validation.sorted(by: { $0.key < $1.key }) { print(String(format: "  %-16@ %.3f", name, dice)) }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }

    static func describe(_ p: TrainingProgress) -> String {
        let done = Double((p.epoch - 1) * p.stepsPerEpoch + p.step) / Double(max(p.epochs * p.stepsPerEpoch, 1))
        let width = 20
        let filled = Int(done * Double(width))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        line += String(format: " epoch %d/%d step %d/%d loss %.3f", p.epoch, p.epochs, p.step, p.stepsPerEpoch, p.loss)
        if let dice = p.meanDice { line += String(format: " val Dice %.3f", dice) }
        if let left = p.secondsLeft { line += String(format: " %.0f s left", left) }
        return line
    }
}

/// One line on standard error, rewritten in place when it is a terminal, else printed every few seconds.
final class ProgressLine {
    private let terminal = isatty(2) == 1
    private var last = Date.distantPast

    func show(_ text: String) {
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else if Date().timeIntervalSince(last) > 5 {
            FileHandle.standardError.write(Data((text + "\n").utf8))
            last = Date()
        }
    }

    func finish(_ text: String) {
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if !text.isEmpty { print(text) }
        // Checkpoint lines matter when the output goes to a log that is read while training runs.
        fflush(nil)
    }
}

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run the folder's newest model of a kind on one study and write the label volume."
    )

    @Argument(help: "A study folder.")
    var folder: String

    @Option(help: "The study (image id).")
    var study: String

    @Option(help: "deepedit, deepgrow2d, deepgrow3d or auto.")
    var model: ModelKind

    @Option(help: """
        Clicks as JSON in the image's voxel indices: {"foreground": [[i,j,k],…], "background": […]} for DeepGrow; \
        one list per label name plus "background" for DeepEdit. None: automatic mode.
        """)
    var clicks: String?

    @Option(help: "Label value DeepGrow writes.")
    var label: UInt16 = 1

    @Option(help: "Where to write the labels (.nii.gz).")
    var out: String

    @Flag(help: "Keep only the largest connected piece of each label.")
    var largestComponent = false

    @Flag(help: "DeepGrow 3D and DeepEdit: the network's answer as it is, not settled on the image by a graph cut.")
    var raw = false

    func run() throws {
        do {
            let database = try AppDatabase(folder: folder)
            try database.sync()
            let shelf = ModelShelf(database: database)
            guard let (record, model) = try shelf.current(self.model) else {
                throw ModelError.noModel("\(folder): no \(self.model.rawValue) model yet; train one with `termlabel train \(folder) --model \(self.model.rawValue)`")
            }
            let study = try database.study(self.study)
            let image = try Volume(contentsOf: database.location.folder + "/" + study.path)
            let clicks = try self.clicks.map { try ClickFile.read($0, labels: model.config.labels) } ?? ClickSet()
            for v in clicks.byLabel.values.flatMap({ $0 }) where !image.grid.contains(v) {
                throw ModelError.noModel("\(self.clicks!): click \(v) is outside the image (\(image.shape.map(String.init).joined(separator: "×")))")
            }
            let start = DispatchTime.now()
            let prepared = PreparedImage(image, config: model.config)
            var result = LabelVolume(grid: image.grid)
            // With clicks, the 3D models answer as in the app: settled on the image, the clicks as 3 mm seeds.
            let settle = !raw && !clicks.isEmpty && self.model != .deepgrow2d
            let seeds = clicks.seeds(radiusMM: 3, grid: image.grid)
            if self.model.isDeepGrow {
                let grown = settle
                    ? try Inference.growSettled(model, prepared, image: image, foreground: clicks.foreground, background: clicks.background,
                                                seeds: seeds, label: 1)
                    : try Inference.grow(model, prepared, foreground: clicks.foreground, background: clicks.background)
                for n in grown.mask.indices where grown.mask[n] { result.voxels[n] = label }
            } else {
                result = settle ? try Inference.editSettled(model, prepared, image: image, clicks: clicks, seeds: seeds)
                    : Inference.segment(model, prepared, clicks: clicks)
            }
            if largestComponent { result = Inference.largestComponents(result) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            try result.write(to: out)
            print(String(format: "%@ with %@: %d labelled voxels in %.2f s → %@", self.study, record.name,
                         result.voxels.filter { $0 != 0 }.count, seconds, out))
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}

/// MONAI Label's click JSON: "foreground"/"background" (DeepGrow) or one list per label name (DeepEdit).
enum ClickFile {
    static func read(_ path: String, labels: [ModelLabel]) throws -> ClickSet {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError.unreadable(path: path, reason: "no such file") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.unreadable(path: path, reason: "not a JSON object of click lists")
        }
        var clicks = ClickSet()
        let byName = Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (key, value) in root {
            let label: UInt16
            switch key {
            case "background": label = 0
            case "foreground": label = 1
            default:
                guard let known = byName[key] else {
                    throw ModelError.unreadable(path: path, reason: "\"\(key)\" is not a label of this model (\(labels.map(\.name).joined(separator: ", ")), background)")
                }
                label = known
            }
            guard let points = value as? [[Any]] else { throw ModelError.unreadable(path: path, reason: "\"\(key)\" must be a list of [i, j, k]") }
            for point in points {
                let numbers = point.compactMap { ($0 as? NSNumber)?.intValue }
                guard numbers.count == 3, point.count == 3 else {
                    throw ModelError.unreadable(path: path, reason: "a click needs three voxel indices, got \(point)")
                }
                clicks.add(VoxelIndex(numbers[0], numbers[1], numbers[2]), label: label)
            }
        }
        return clicks
    }
}

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "The folder's model registry.",
        subcommands: [ModelList.self, ModelImport.self, ModelRun.self]
    )
}

struct ModelList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Registered models, newest first.")

    @Argument(help: "A study folder.")
    var folder: String

    func run() throws {
        do {
            let database = try AppDatabase(folder: folder)
            let formatter = ISO8601DateFormatter()
            for m in try database.models() {
                let dice = m.metrics["dice"].map { String(format: "Dice %.3f", $0) } ?? ""
                print("\(m.kind.padding(toLength: 11, withPad: " ", startingAt: 0)) \(m.name)  \(formatter.string(from: m.createdAt))  \(dice)  \(m.weightsPath)")
            }
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}

struct ModelImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register weights (safetensors of a MONAI BasicUNet state dict, or a termlabel model) for the folder."
    )

    @Argument(help: "A study folder.")
    var folder: String

    @Argument(help: "The weights (.safetensors).")
    var weights: String

    @Option(help: "deepedit, deepgrow2d, deepgrow3d or auto (needed unless the file is a termlabel model).")
    var model: ModelKind?

    @Option(help: "BasicUNet's six feature counts, e.g. 16,32,64,128,256,16.")
    var features: String?

    @Option(help: "Voxel size in mm the model was trained at, e.g. 3,3,3 (default: the kind's).")
    var spacing: String?

    @Option(help: "Patch size in voxels, multiples of 16 (default: the kind's).")
    var patch: String?

    @Option(help: "Sliding window of automatic and DeepEdit inference, multiples of 16 (default: the kind's).")
    var window: String?

    @Option(help: "A name for the registry.")
    var name: String?

    func run() throws {
        do {
            let database = try AppDatabase(folder: folder)
            let shelf = ModelShelf(database: database)
            var config: ModelConfig? = nil
            if let kind = model {
                var c = ModelConfig.defaults(kind, labels: try shelf.labels(), modality: try shelf.modality())
                // Weights from PyTorch have MONAI's inputs: image and guidance only.
                c.clickConnectivity = nil
                if let features { c.features = try numbers(features, "features").map { Int($0) } }
                if let spacing { c.spacingMM = try numbers(spacing, "spacing").map { Optional($0) } }
                if let patch { c.patch = try numbers(patch, "patch").map { Int($0) } }
                if let window { c.window = try numbers(window, "window").map { Int($0) } }
                config = c
            }
            let model = try SegmentationModel.load(weights, config: config)
            try FileManager.default.createDirectory(atPath: database.modelsFolder, withIntermediateDirectories: true)
            let kind = model.config.kind.rawValue
            let name = self.name ?? "\(kind)-imported-\(ModelShelf.runStamp())"
            let path = database.modelsFolder + "/\(name).safetensors"
            // Saved again with its configuration, so the registry's copy is self-describing.
            try model.save(to: path, metadata: ["importedFrom": weights])
            let record = try database.registerModel(name: name, kind: kind, weightsPath: path, trainedOn: [], metrics: [:])
            print("registered \(record.name) (\(kind), features \(model.config.features.map(String.init).joined(separator: ",")), "
                  + "\(model.config.inChannels) in, \(model.config.outChannels) out) → \(path)")
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }

    func numbers(_ text: String, _ what: String) throws -> [Double] {
        let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == text.split(separator: ",").count, !values.isEmpty else {
            throw ModelError.badConfiguration("--\(what) takes numbers separated by commas, got \(text)")
        }
        return values
    }
}

struct ModelRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model's network on a tensor (safetensors, key \"input\") and write its logits (key \"logits\"), to compare with PyTorch."
    )

    @Argument(help: "The weights (.safetensors written by termlabel).")
    var weights: String

    @Option(help: "The input tensor, N×C×D×H×W (or N×C×H×W).")
    var input: String

    @Option(help: "Where to write the logits.")
    var out: String

    func run() throws {
        do {
            let model = try SegmentationModel.load(weights)
            guard let x = try Safetensors.read(input).tensors.first(where: { $0.name == "input" }) else {
                throw ModelError.unreadable(path: input, reason: "no tensor named input")
            }
            guard x.tensor.channels == model.config.inChannels else {
                throw ModelError.unreadable(path: input, reason: "\(x.tensor.channels) channels; the model takes \(model.config.inChannels)")
            }
            let logits = model.withNetwork { network in network(Tape(recording: false), Variable(x.tensor)).value }
            let shape = x.shape.count == 4 ? [logits.shape[0], logits.shape[1], logits.shape[3], logits.shape[4]] : logits.shape
            try Safetensors.write([NamedTensor(name: "logits", shape: shape, tensor: logits)], to: out)
            print("logits \(shape) → \(out)")
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}
