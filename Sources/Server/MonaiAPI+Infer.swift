// POST /infer/{model}: the folder's serving models under MONAI Label's names, and the classical tools under the
// names MONAI Label gives its scribbles models. Clicks come in params as IJK lists; the answer is multipart, a
// "params" JSON part and the label file (.nii.gz or .nrrd), on the image's grid.

import App
import Datastore
import Foundation
import Learning
import Segmenters
import Volume

/// What a name under /infer/ runs.
enum InferenceTool: Equatable {
    case model(ModelKind)
    /// Scribbles (a label upload) → likelihood + graph cut.
    case scribbles(IntensityModel.Kind)
    /// Foreground/background clicks → likelihood + graph cut, no model.
    case clicks

    /// MONAI Label's names for the models, and its sample apps' names for the scribbles tools.
    static let names: [(String, InferenceTool)] = [
        ("deepgrow_2d", .model(.deepgrow2d)), ("deepgrow_3d", .model(.deepgrow3d)), ("deepedit", .model(.deepedit)),
        ("segmentation", .model(.auto)), ("Histogram+GraphCut", .scribbles(.histogram)), ("GMM+GraphCut", .scribbles(.gmm)),
        ("Scribbles+GraphCut", .scribbles(.kde)), ("Clicks+GraphCut", .clicks),
    ]

    static func named(_ name: String) -> InferenceTool? {
        names.first { $0.0 == name }?.1 ?? ModelKind(rawValue: name).map { .model($0) }
    }

    /// MONAI Label's model type, which decides where a client offers it.
    var type: String {
        switch self {
        case .model(.deepgrow2d), .model(.deepgrow3d), .clicks: "deepgrow"
        case .model(.deepedit): "deepedit"
        case .model(.auto): "segmentation"
        case .scribbles: "scribbles"
        }
    }

    var dimension: Int { self == .model(.deepgrow2d) ? 2 : 3 }
}

extension MonaiAPI {
    func infer(_ request: ServerRequest, model name: String, user: String) throws -> ServerResponse {
        guard let tool = InferenceTool.named(name) else {
            throw APIError(404, "no model \(TerminalText.escaped(name)) (GET /info/ lists them)")
        }
        let study = try study(request.query["image"])
        let parts = try request.parts()
        let params = try MonaiAPI.params(parts)
        let format = try resultFormat(params)
        let output = request.query["output"] ?? "all"
        guard ["all", "image", "json"].contains(output) else { throw APIError(400, "output must be all, image or json") }
        let started = Date()
        let image = try images.volume(study, path: try insideFolder(study.path))
        let loaded = Date()
        var result: LabelVolume
        var names: [String: Int] = [:]
        var served = name
        switch tool {
        case .model(let kind):
            guard let (record, model) = try shelf.current(kind) else {
                throw APIError(404, "\(name): no \(kind.rawValue) model in this folder yet (train one, or use Clicks+GraphCut)")
            }
            served = record.name
            // DeepGrow writes one label, named by params.label; DeepEdit and automatic write their own.
            let value: (name: String, value: UInt16) = kind.isDeepGrow ? try deepGrowLabel(params, labels: try shelf.labels()) : ("", 1)
            let byName = Dictionary(model.config.labels.map { ($0.name, $0.value) }) { a, _ in a }
            var clicks = try clickLists(params, labels: byName, grid: image.grid)
            if kind.isDeepGrow {
                clicks = clicks.map { $0.positive ? Click($0.voxel, label: value.value, positive: true) : $0 }
                guard clicks.contains(where: \.positive) else { throw APIError(400, "\(name) needs at least one foreground click (params.foreground)") }
                names = [value.name: Int(value.value)]
            } else {
                names = Dictionary(model.config.labels.map { ($0.name, Int($0.value)) }) { a, _ in a }
            }
            let prepared = images.prepared(study, image: image, config: model.config)
            let clickSet = ClickSet(clicks)
            if kind == .auto || (kind == .deepedit && clicks.isEmpty) {
                result = Inference.segment(model, prepared, clicks: clickSet)
            } else {
                // Settled on the image as in the app and `termlabel infer`: the clicks as 3 mm seeds.
                result = try Inference.answer(model, prepared, image: image, clicks: clickSet, label: value.value,
                                              settlingWith: clickSet.seeds(radiusMM: 3, grid: image.grid), likelihood: record.settlingLikelihood).labels
            }
        case .scribbles(let method):
            guard let part = parts.first(where: { $0.name == "label" }) else {
                throw APIError(400, "\(name) needs the scribbles: a multipart field named label, on the image's grid")
            }
            let scribbles = try readUploadedLabel(part, for: study)
            let background = try whole(params["scribbles_bg_label"], default: 2, name: "scribbles_bg_label")
            let foreground = try whole(params["scribbles_fg_label"], default: 3, name: "scribbles_fg_label")
            var seeds = LabelVolume(grid: image.grid)
            for n in scribbles.voxels.indices {
                seeds.voxels[n] = scribbles.voxels[n] == foreground ? 1 : scribbles.voxels[n] == background ? 2 : 0
            }
            guard seeds.voxels.contains(1) else {
                throw APIError(400, "\(name): no foreground scribble (value \(foreground)) in the label; scribble on the structure first")
            }
            var options = GraphCutOptions()
            options.method = method
            result = try GraphCutSegmenter.segment(image, seeds: Seeds(scribbles: seeds, backgroundValue: 2), options: options).labels
            names = ["foreground": 1]
        case .clicks:
            let clicks = try clickLists(params, labels: [:], grid: image.grid)
            guard clicks.contains(where: \.positive) else { throw APIError(400, "\(name) needs at least one foreground click (params.foreground)") }
            let seeds = Seeds(positive: clicks.filter(\.positive).map(\.voxel), negative: clicks.filter { !$0.positive }.map(\.voxel),
                              radiusMM: 3, grid: image.grid)
            result = try GraphCutSegmenter.segment(image, seeds: seeds).labels
            names = ["foreground": 1]
        }
        let finished = Date()
        if format.dtype == "uint8", result.voxels.contains(where: { $0 > 255 }) {
            throw APIError(400, "the answer has labels above 255; ask for result_dtype uint16")
        }
        let answer: [String: Any] = [
            "label_names": names, "model": served, "image": study.imageId,
            "latencies": ["pre": loaded.timeIntervalSince(started), "infer": finished.timeIntervalSince(loaded),
                          "post": 0, "total": finished.timeIntervalSince(started), "transform": NSNull()],
        ]
        if output == "json" { return .json(answer) }
        let file = scratch + "/result-\(UUID().uuidString)" + format.extension
        defer { unlink(file) }
        if format.extension == ".nrrd" { try result.writeNrrd(to: file) } else { try result.write(to: file) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let filename = "\(study.imageId)_\(served)" + format.extension
        if output == "image" {
            return ServerResponse(headers: [("Content-Type", "application/octet-stream"), ("Content-Disposition", "attachment; filename=\"\(filename)\"")],
                                  body: .data(bytes))
        }
        let (type, body) = Multipart.encode([
            MultipartPart(name: "params", contentType: "application/json", data: try ServerResponse.encode(answer)),
            MultipartPart(name: "image", filename: filename, contentType: "application/octet-stream", data: bytes),
        ])
        return ServerResponse(headers: [("Content-Type", type)], body: .data(body))
    }

    /// params.result_extension (.nii.gz, .nii or .nrrd) and params.result_dtype (uint8 or uint16).
    func resultFormat(_ params: [String: Any]) throws -> (extension: String, dtype: String) {
        let ext = params["result_extension"] as? String ?? ".nii.gz"
        guard [".nii.gz", ".nii", ".nrrd"].contains(ext) else { throw APIError(400, "result_extension must be .nii.gz, .nii or .nrrd") }
        let dtype = params["result_dtype"] as? String ?? "uint8"
        guard ["uint8", "uint16"].contains(dtype) else { throw APIError(400, "result_dtype must be uint8 or uint16") }
        return (ext, dtype)
    }

    /// The clicks of params: "foreground", "background" and one list per label name, in IJK.
    func clickLists(_ params: [String: Any], labels: [String: UInt16], grid: Grid) throws -> [Click] {
        var lists: [String: Any] = [:]
        for (key, value) in params where key == "foreground" || key == "background" || labels[key] != nil {
            // An empty list is no clicks, however a client writes it.
            if let list = value as? [Any], list.isEmpty { continue }
            lists[key] = value
        }
        do {
            return try ClickJSON.clicks(lists, labels: labels, within: grid, source: "params")
        } catch let error as VolumeError {
            throw APIError(400, error.description)
        }
    }

    /// The label DeepGrow writes: params.label (a name of the folder's labels, or a value), else the first label.
    func deepGrowLabel(_ params: [String: Any], labels: [ModelLabel]) throws -> (name: String, value: UInt16) {
        switch params["label"] {
        case let name as String where !name.isEmpty:
            guard let label = labels.first(where: { $0.name == name }) else {
                throw APIError(400, "params.label \(TerminalText.escaped(name)) is not a label of this folder (\(labels.map(\.name).joined(separator: ", ")))")
            }
            return (label.name, label.value)
        case let number as NSNumber:
            guard let value = UInt16(exactly: number.doubleValue), value > 0 else { throw APIError(400, "params.label must be a label value 1–65535") }
            return (labels.first { $0.value == value }?.name ?? "label \(value)", value)
        default:
            return labels.first.map { ($0.name, $0.value) } ?? ("foreground", 1)
        }
    }

    func whole(_ value: Any?, default fallback: UInt16, name: String) throws -> UInt16 {
        guard let value else { return fallback }
        guard let number = (value as? NSNumber).flatMap({ UInt16(exactly: $0.doubleValue) }) else {
            throw APIError(400, "params.\(name) must be a label value 0–65535")
        }
        return number
    }
}

/// The images inference read last, and their preparations per model grid: clicks on one study answer without
/// reading it again.
final class ImageCache: @unchecked Sendable {
    private let lock = NSLock()
    private var volumes: [(key: String, volume: Volume)] = []
    private var prepared: [String: PreparedImage] = [:]

    private func key(_ study: Study) -> String { "\(study.imageId) \(study.fileSize) \(study.modifiedAt)" }

    func volume(_ study: Study, path: String) throws -> Volume {
        let key = key(study)
        lock.lock()
        if let hit = volumes.first(where: { $0.key == key }) { lock.unlock(); return hit.volume }
        lock.unlock()
        let volume = try Volume(contentsOf: path)
        lock.lock()
        defer { lock.unlock() }
        volumes.append((key, volume))
        if volumes.count > 2 {
            let dropped = volumes.removeFirst().key
            prepared = prepared.filter { !$0.key.hasPrefix(dropped + " |") }
        }
        return volume
    }

    func prepared(_ study: Study, image: Volume, config: ModelConfig) -> PreparedImage {
        let key = key(study) + " | \(config.spacingMM) \(config.intensity)"
        lock.lock()
        if let hit = prepared[key] { lock.unlock(); return hit }
        lock.unlock()
        let ready = PreparedImage(image, config: config)
        lock.lock()
        prepared[key] = ready
        lock.unlock()
        return ready
    }
}
