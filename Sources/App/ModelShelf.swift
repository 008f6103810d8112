// A study folder's models as the app and the headless verbs use them: the model each kind serves (reloaded when
// another one starts serving: the hot swap), the studies to train on, and saving checkpoints into the registry.

import Datastore
import Foundation
import Learning
import Segmenters
import Volume

public final class ModelShelf: @unchecked Sendable {
    public let database: AppDatabase
    public let generic: GenericModels
    private var loaded: [ModelKind: (id: Int64, model: SegmentationModel)] = [:]
    private var adopted = false
    private let lock = NSLock()

    public init(database: AppDatabase, generic: GenericModels = .shipped) {
        self.database = database
        self.generic = generic
    }

    /// Registers the generic model of each DeepGrow kind the folder has no model of (again if its file moved), so
    /// that it serves until the folder's own models score better. Returns the names registered.
    @discardableResult
    public func adoptGenericModels() throws -> [String] {
        var names: [String] = []
        for kind in ModelKind.allCases {
            guard let path = generic.weights(kind) else { continue }
            let models = try database.models(kind: kind.rawValue)
            for stale in models where stale.origin == .generic && stale.weightsPath != path { try database.removeModel(stale.name) }
            guard try database.models(kind: kind.rawValue).isEmpty else { continue }
            let name = "\(kind.rawValue)-generic"
            try database.registerModel(name: name, kind: kind.rawValue, weightsPath: path, trainedOn: [], metrics: [:], origin: .generic)
            names.append(name)
        }
        return names
    }

    func adoptOnce() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !adopted else { return }
        try adoptGenericModels()
        adopted = true
    }

    /// The model `kind` serves (the registry's rule; the generic one where the folder has none). Loads it again
    /// only when another one serves.
    public func current(_ kind: ModelKind) throws -> (record: ModelRecord, model: SegmentationModel)? {
        try adoptOnce()
        guard let record = try database.servingModel(kind: kind.rawValue), let id = record.id else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if let cached = loaded[kind], cached.id == id { return (record, cached.model) }
        let model = try SegmentationModel.load(record.weightsPath)
        guard model.config.kind == kind else { throw ModelError.wrongKind(path: record.weightsPath, has: model.config.kind, wanted: kind) }
        loaded[kind] = (id, model)
        return (record, model)
    }

    /// The model that segments a whole study: the automatic one if there is one, else DeepEdit (automatic with no
    /// clicks).
    public func wholeStudyModel() throws -> (record: ModelRecord, model: SegmentationModel)? {
        try current(.auto) ?? current(.deepedit)
    }

    /// The folder's label names: labels.json, else those saved with the labels.
    public func labels() throws -> [ModelLabel] {
        var names = try LabelNamesFile.read(database.location.folder + "/labels.json")
        if names.isEmpty { names = try database.finalLabels().last?.label.labelNames ?? [] }
        return names.filter { $0.value != 0 }.map { ModelLabel(value: $0.value, name: $0.name) }
    }

    /// "CT" when labels.json says so or the first image looks like CT.
    public func modality() throws -> String {
        if let modality = try LabelNamesFile.modality(database.location.folder + "/labels.json") { return modality }
        guard let study = try database.studies().first else { return "other" }
        let image = try Volume(contentsOf: database.location.folder + "/" + study.path)
        return Modality.guess(image) == .ct ? "CT" : "other"
    }

    /// The model training starts from: the serving one of its kind when it predicts the same labels (warm start),
    /// else a fresh one with the plan's or the default configuration; `from`: the record it continues (nil: fresh).
    public func startingPoint(_ kind: ModelKind, fresh: Bool, seed: UInt64) throws -> (model: SegmentationModel, from: ModelRecord?) {
        let labels = try labels()
        if !fresh, let (record, model) = try current(kind), kind.isDeepGrow || model.config.labels == labels {
            // A copy, so inference keeps using the registered weights while this one trains.
            let copy = try SegmentationModel(config: model.config, seed: seed)
            try copy.network.load(model.withNetwork { $0.namedTensors }, from: model.path ?? "model")
            return (copy, record)
        }
        if let planned = try plan()?.model(kind) {
            var config = planned.config
            if !kind.isDeepGrow { config.labels = labels }
            return (try SegmentationModel(config: config, seed: seed), nil)
        }
        return (try SegmentationModel(config: ModelConfig.defaults(kind, labels: labels, modality: modality()), seed: seed), nil)
    }

    /// The plan in force (`termlabel plan`), if one was made.
    public func plan() throws -> Plan? {
        guard let json = try database.currentPlan() else { return nil }
        return try JSONDecoder().decode(Plan.self, from: Data(json.utf8))
    }

    /// The studies with a final label, and how to read one from disk (the trainer reads them one at a time).
    public func trainingStudies() throws -> (ids: [String], load: (String) throws -> TrainingCase) {
        let labeled = Dictionary(try database.finalLabels().map { ($0.study.imageId, $0) }, uniquingKeysWith: { a, _ in a })
        let folder = database.location.folder
        return (labeled.keys.sorted(), { id in
            let (study, label) = labeled[id]!
            let image = try Volume(contentsOf: folder + "/" + study.path)
            let labels = try LabelVolume(contentsOf: label.path)
            guard labels.grid.matches(image.grid) else {
                throw VolumeError.gridMismatch(path: label.path, reason: "the label's grid differs from its image's")
            }
            return TrainingCase(id: id, image: image, labels: labels)
        })
    }

    /// How to train `kind` here: epochs, steps and batch as given, else the plan's (`termlabel plan`), else the
    /// defaults; the folder's label names.
    public func trainingOptions(_ kind: ModelKind, epochs: Int?, steps: Int?, seed: UInt64) throws -> TrainingOptions {
        var options = TrainingOptions()
        let planned = try plan()?.model(kind)
        options.epochs = epochs ?? planned?.epochs ?? 10
        options.stepsPerEpoch = steps ?? planned?.stepsPerEpoch ?? 20
        if let planned { options.planarBatch = planned.batch }
        options.seed = seed
        options.labelNames = Dictionary(try labels().map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
        return options
    }

    /// Saves a checkpoint as a new weights file and registers it with its card; it serves once it scores best.
    public func register(_ model: SegmentationModel, summary: TrainingSummary, run: String, parent: String? = nil,
                         stepsPerEpoch: Int = 0) throws -> ModelRecord {
        try FileManager.default.createDirectory(atPath: database.modelsFolder, withIntermediateDirectories: true)
        let kind = model.config.kind.rawValue
        // Runs are named by the second they start: two short runs in one second must not share a name (and file).
        let base = "\(kind)-\(run)-e\(summary.bestEpoch ?? 0)"
        let taken = Set(try database.models(kind: kind).map(\.name))
        var name = base, n = 1
        while taken.contains(name) || FileManager.default.fileExists(atPath: database.modelsFolder + "/\(name).safetensors") {
            n += 1
            name = base + "-\(n)"
        }
        let path = database.modelsFolder + "/\(name).safetensors"
        try model.save(to: path, metadata: ["trainedOn": summary.trainedOn.joined(separator: ",")])
        var metrics = ModelShelf.metrics(summary.validation, mean: summary.bestDice, clicksScored: summary.clicksScored)
        metrics["epoch"] = Double(summary.bestEpoch ?? 0)
        metrics["seconds"] = summary.seconds
        let epochs = summary.bestEpoch ?? 0
        return try database.registerModel(name: name, kind: kind, weightsPath: path, trainedOn: summary.trainedOn, metrics: metrics,
                                          score: summary.bestDice, validatedOn: summary.validatedOn, parent: parent, epochs: epochs,
                                          steps: epochs * stepsPerEpoch, trainingSeconds: summary.seconds)
    }

    /// The figures of a model's card that are not a label's Dice: the mean, the best epoch, the training time and,
    /// for DeepGrow, how many robot clicks the Dice spans.
    static let runFigures: Set<String> = ["dice", "epoch", "seconds", "clicks"]

    /// A model's card figures: the validation Dice per structure, their mean ("dice") and, for DeepGrow, how many
    /// robot clicks they span ("clicks").
    static func metrics(_ dice: [String: Double], mean: Double, clicksScored: Int?) -> [String: Double] {
        var metrics = dice
        metrics["dice"] = mean
        metrics["clicks"] = clicksScored.map(Double.init)
        return metrics
    }

    /// Whether a model's score was made on `validatedOn` as `options` score its kind.
    static func scored(_ record: ModelRecord, like options: TrainingOptions, on validatedOn: [String]) -> Bool {
        let clicks = ModelKind(rawValue: record.kind).flatMap(options.clicksScored).map(Double.init)
        return record.validatedOn == validatedOn && record.metrics["clicks"] == clicks
    }

    public static func runStamp(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

extension ModelRecord {
    /// The card's validation Dice per label.
    public var diceByLabel: [String: Double] { metrics.filter { !ModelShelf.runFigures.contains($0.key) } }
}
