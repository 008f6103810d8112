// The app's models: answering a model request with the model its kind serves (prepared images kept per study,
// so clicks on the same study answer fast), and training in the background while the annotator works.

import Datastore
import Foundation
import Learning
import Segmenters
import TUI
import Volume

final class ModelAssistant: @unchecked Sendable {
    let shelf: ModelShelf
    private let lock = NSLock()
    /// The prepared image of the open study per configuration (a few: one per model kind in use).
    private var prepared: [String: PreparedImage] = [:]

    let clock: any AppClock

    init(shelf: ModelShelf, clock: any AppClock) {
        self.shelf = shelf
        self.clock = clock
    }

    func prepare(_ image: Volume, study: String, model: SegmentationModel) -> PreparedImage {
        // One preparation per study and model grid (spacing) and intensity mapping.
        let key = "\(study) \(model.config.spacingMM) \(model.config.intensity)"
        lock.lock()
        if let ready = prepared[key] { lock.unlock(); return ready }
        lock.unlock()
        let ready = PreparedImage(image, config: model.config)
        lock.lock()
        if prepared.count > 6 { prepared = [:] }
        prepared[key] = ready
        lock.unlock()
        return ready
    }

    func wholeStudyModel() throws -> (record: ModelRecord, model: SegmentationModel) {
        guard let found = try shelf.wholeStudyModel() else {
            throw ModelError.noModel([.auto, .deepedit], hint: "submit a few labels, then t trains one (or termlabel train)")
        }
        return found
    }

    func run(_ request: ModelRequest, cancellation: Cancellation) -> Action {
        let start = clock.now()
        func seconds() -> Double { clock.seconds(since: start) }
        do {
            switch request.task {
            case .clicks(let assistant):
                let kind = assistant.modelKind
                guard let (record, model) = try shelf.current(kind) else {
                    throw ModelError.noModel([kind], hint: "t trains one on the submitted labels (or m picks another tool)")
                }
                // The models' answers are settled on the image (DeepGrow 2D's on its slice) by a graph cut with the
                // clicks' balls and the scribbles as seeds.
                var options = GraphCutOptions()
                options.cancellation = cancellation
                let answer = try Inference.answer(model, prepare(request.image, study: request.studyId, model: model), image: request.image,
                                                  clicks: ClickSet(request.clicks), label: request.label,
                                                  settlingWith: Seeds(scribbles: request.seeds, backgroundValue: Draft.backgroundSeed,
                                                                      clicks: request.clicks.map(\.voxel))
                                                      .leading(with: request.clicks),
                                                  likelihood: record.settlingLikelihood, options: options)
                return .inferred(answer.labels, labels: answer.speaksFor, region: answer.region, seconds: seconds(),
                                 note: "\(assistant.rawValue) (\(record.name))")
            case .automatic:
                let (record, model) = try wholeStudyModel()
                let result = Inference.segment(model, prepare(request.image, study: request.studyId, model: model))
                // Kept as labels/original, what a reviewer compares the final label with.
                var kept = ""
                do {
                    let database = shelf.database
                    let names = model.config.labels.map { LabelName(value: $0.value, name: $0.name) }
                    let version = try database.saveLabel(result, imageId: request.studyId, tag: "original",
                                                         basedOn: database.newestLabel(request.studyId, tag: "original")?.version,
                                                         author: record.name, names: names)
                    kept = ", kept as original v\(version.version)"
                } catch {
                    kept = "; it could not be kept as the original: \(error)"
                }
                return .inferred(result, labels: model.config.labels.map(\.value), region: nil, seconds: seconds(),
                                 note: "automatic segmentation (\(record.name)\(kept))")
            case .refine:
                let (record, model) = try wholeStudyModel()
                guard let probability = Inference.probability(of: request.label, model, prepare(request.image, study: request.studyId, model: model)) else {
                    throw ModelError.unknownLabel(model: record.name, label: request.label)
                }
                let seeds = Seeds(scribbles: request.seeds, backgroundValue: Draft.backgroundSeed, clicks: request.clicks.map(\.voxel))
                var options = GraphCutOptions()
                options.cancellation = cancellation
                let result = try GraphCutSegmenter.refine(request.image, probabilities: probability, label: request.label, seeds: seeds, options: options)
                return .inferred(result.labels, labels: [request.label], region: result.region, seconds: seconds(),
                                 note: "refined with scribbles and \(record.name)")
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
