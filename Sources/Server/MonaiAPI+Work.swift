// /info/, /activelearning/, /train/ and /scoring/: what the folder offers, which study to label next (handed to
// the asking annotator with a claim, as the app does), and training and scoring in the background through the
// same runs as `termlabel train` and the app's `t` (one training per folder, whichever process asks).

import App
import Datastore
import Foundation
import Learning
import Volume

extension MonaiAPI {
    func info() throws -> [String: Any] {
        let labels = try shelf.labels()
        let labelMap = Dictionary(labels.map { ($0.name, Int($0.value)) }) { a, _ in a }
        var models: [String: Any] = [:]
        var stats: [String: Any] = [:]
        for (name, tool) in InferenceTool.names {
            var entry: [String: Any] = ["type": tool.type, "dimension": tool.dimension, "labels": labelMap, "config": [String: Any]()]
            switch tool {
            case .model(let kind):
                // A model is offered once the folder has one (MONAI Label lists only valid models).
                guard let record = try database.servingModel(kind: kind.rawValue) else { continue }
                entry["description"] = "\(kind.rawValue) \(record.name)" + (record.score.map { String(format: ", validation Dice %.3f", $0) } ?? "")
                entry["config"] = ["model": record.name, "trained_on": record.trainedOn.count] as [String: Any]
                stats[name] = ["best_metric": record.score ?? 0, "best_metric_epoch": record.epochs, "total_time": record.trainingSeconds,
                               "model": record.name, "train_count": record.trainedOn.count] as [String: Any]
            case .scribbles(let method):
                entry["labels"] = [String: Int]()
                entry["description"] = "scribbles (foreground 3, background 2) → \(method.rawValue) likelihood + 3D graph cut, no model"
            case .clicks:
                entry["labels"] = ["foreground": 1]
                entry["description"] = "foreground/background clicks → likelihood + 3D graph cut, no model"
            }
            models[name] = entry
        }
        var trainers: [String: Any] = [:]
        for (name, tool) in InferenceTool.names {
            guard case .model(let kind) = tool else { continue }
            trainers[name] = ["description": "trains \(kind.rawValue) on the folder's final labels (warm start from the serving model)",
                              "config": ["max_epochs": 10, "steps_per_epoch": 20, "fresh": false] as [String: Any]]
        }
        let strategies = Dictionary(Strategy.allCases.map { ($0.rawValue, ["description": strategyDescription($0)]) }) { a, _ in a }
        let scoring = Dictionary([Strategy.epistemic, .aleatoric].map { ($0.rawValue, ["description": "scores unlabeled studies for \($0.rawValue) ranking"]) }) { a, _ in a }
        return ["name": "TermLabel", "description": "TermLabel study folder \((database.location.folder as NSString).lastPathComponent)",
                "version": "1", "labels": labelMap, "models": models, "trainers": trainers, "strategies": strategies, "scoring": scoring,
                "train_stats": stats, "datastore": datastoreStats(try database.studyRows().filter { $0.study.status != .missing })]
    }

    func strategyDescription(_ strategy: Strategy) -> String {
        switch strategy {
        case .first: "the first unlabeled study by id"
        case .random: "a random unlabeled study, favouring those served longest ago"
        case .epistemic: "the study the model is least sure of (MC dropout)"
        case .aleatoric: "the study whose answer changes most under augmentation"
        }
    }

    /// POST /activelearning/{strategy}: the next study, claimed for the asking annotator.
    func nextSample(_ request: ServerRequest, strategy name: String, user: String) throws -> ServerResponse {
        guard let strategy = Strategy(rawValue: name.lowercased()) else {
            throw APIError(404, "no strategy \(TerminalText.escaped(name)) (\(Strategy.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let params = try request.jsonBody()
        let author = actingUser(user, params: params)
        let seed = UInt64(truncatingIfNeeded: Int64(Date().timeIntervalSince1970 * 1e6))
        guard let next = try StudyRanking(database: database).rank(strategy, seed: seed).first else { return .json([String: Any]()) }
        try database.claim(next.id, by: annotator(author))
        let study = try database.study(next.id)
        var answer = imageInfo(study, labels: [])
        answer["id"] = study.imageId
        answer["path"] = database.location.folder + "/" + study.path
        answer["strategy"] = [strategy.rawValue: ["ts": Int(Date().timeIntervalSince1970), "client_id": author]]
        if let score = next.score { answer["score"] = score }
        return .json(answer)
    }

    /// /train/: GET the last run's status, POST to start (a model's name, or every model the folder serves),
    /// DELETE to stop.
    func train(_ request: ServerRequest, model: String?) throws -> ServerResponse {
        switch request.method {
        case "GET":
            return .json(try training.status(all: request.query["all"] == "true", checkIfRunning: request.query["check_if_running"] == "true"))
        case "DELETE":
            return .json(training.stop())
        case "POST":
            let params = try request.jsonBody()
            let kinds: [ModelKind]
            if let model {
                guard case .model(let kind)? = InferenceTool.named(model) else { throw APIError(404, "no trainer \(TerminalText.escaped(model))") }
                kinds = [kind]
            } else {
                let serving = try ModelKind.allCases.filter { try database.servingModel(kind: $0.rawValue) != nil }
                kinds = serving.isEmpty ? [.deepedit] : serving
            }
            var requests: [TrainingRequest] = []
            for kind in kinds {
                var options = (params[InferenceTool.names.first { $0.1 == .model(kind) }!.0] as? [String: Any]) ?? params
                options = options.merging(params.filter { !($0.value is [String: Any]) }) { own, _ in own }
                var training = TrainingRequest(kind: kind)
                training.epochs = try positive(options["max_epochs"] ?? options["epochs"], name: "max_epochs")
                training.steps = try positive(options["steps_per_epoch"] ?? options["steps"], name: "steps_per_epoch")
                training.fresh = options["fresh"] as? Bool ?? false
                requests.append(training)
            }
            guard !(try shelf.trainingStudies().ids.isEmpty) else { throw APIError(400, ModelError.nothingToTrainOn.description) }
            let (shelf, runs) = (self.shelf, requests)
            // Refused now if another process trains on this folder, rather than failing in the background.
            let task = try training.start(params, refusing: { try TrainingLock.probe(database: database) }) { cancellation, report in
                var messages: [String] = []
                var succeeded = true
                for var request in runs {
                    request.cancellation = cancellation
                    report("\(request.kind.rawValue): training on the folder's final labels")
                    let (outcome, failure) = shelf.train(request) { event in
                        switch event {
                        case .progress(let p): report("\(request.kind.rawValue) epoch \(p.epoch)/\(p.epochs) step \(p.step)/\(p.stepsPerEpoch) loss \(String(format: "%.3f", p.loss))")
                        case .checkpoint(let record): report("checkpoint \(record.name) (validation Dice \(record.score.map { String(format: "%.3f", $0) } ?? "-"))")
                        case .rescored(let name, let score, _): report("\(name) scored \(String(format: "%.3f", score)) on the validation studies")
                        case .started(let training, let validation, let from, let rate):
                            report("\(training.count) training, \(validation.count) validation studies, "
                                   + TrainingEvent.startingPoint(from: from, learningRate: rate))
                        case .unnamedLabels(let notice): report("\(request.kind.rawValue): " + notice)
                        }
                    }
                    if let failure, !(failure is CancellationError) {
                        succeeded = false
                        messages.append("\(request.kind.rawValue) failed: \(failure)")
                    } else {
                        messages.append(outcome.message)
                    }
                    if cancellation.isCancelled { break }
                }
                MemoryPolicy.release()
                return (succeeded, messages.joined(separator: "; "))
            }
            return .json(task)
        default:
            throw APIError(405, "\(request.method) is not allowed on /train/")
        }
    }

    /// /scoring/: POST /scoring/{epistemic|aleatoric} scores every unlabeled study in the background (stored, as the
    /// ranking uses them); GET the status, DELETE to stop.
    func score(_ request: ServerRequest, method: String?) throws -> ServerResponse {
        switch request.method {
        case "GET":
            return .json(try scoring.status(all: request.query["all"] == "true", checkIfRunning: request.query["check_if_running"] == "true"))
        case "DELETE":
            return .json(scoring.stop())
        case "POST":
            let strategies: [Strategy]
            if let method {
                guard let strategy = Strategy(rawValue: method.lowercased()), strategy.usesModel else {
                    throw APIError(404, "no scoring method \(TerminalText.escaped(method)) (epistemic, aleatoric)")
                }
                strategies = [strategy]
            } else {
                strategies = [.epistemic]
            }
            guard try shelf.wholeStudyModel() != nil else {
                throw APIError(404, ModelError.noModel([.auto, .deepedit], hint: "scoring needs one; train one first").description)
            }
            let body = try request.jsonBody()
            // Passes of dropout or augmentation per study (more: steadier scores, longer).
            let passes = try positive(body["passes"], name: "passes") ?? 8
            let ranking = StudyRanking(database: database)
            let task = try scoring.start(body) { cancellation, report in
                do {
                    for strategy in strategies {
                        let ranked = try ranking.rank(strategy, passes: passes, cancellation: cancellation, progress: report)
                        report("\(strategy.rawValue): \(ranked.filter { $0.score != nil }.count) studies scored")
                    }
                    return (true, "scored")
                } catch {
                    return (false, "\(error)")
                }
            }
            return .json(task)
        default:
            throw APIError(405, "\(request.method) is not allowed on /scoring/")
        }
    }

    func positive(_ value: Any?, name: String) throws -> Int? {
        guard let value else { return nil }
        guard let number = (value as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }), number > 0, number <= 100_000 else {
            throw APIError(400, "\(name) must be a whole number from 1 to 100000")
        }
        return number
    }
}
