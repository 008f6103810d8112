// `termlabel eval clicks DIR`: the click robot. For every structure of every study with ground truth, a simulated
// annotator clicks the centre of the largest error (positive where the structure is missed, negative where too
// much is labelled) and the tool runs again with all clicks so far; Dice is recorded after each click. Tools:
// the classical click tool (graph cut, no model) and the folder's newest DeepGrow 2D, DeepGrow 3D and DeepEdit.
// 2D tools are judged on one axial slice per structure (the one where it is largest), 3D tools on the volume.
// The models answer as in the app, settled on the image by a graph cut (`--raw`: the networks alone). With
// `--same-clicks` every tool answers the clicks made for the first tool of its mode: a paired comparison, free of
// the differences that each tool's own click path brings.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Engine
import Foundation
import Learning
import Randomness
import Segmenters
import Volume

struct ClickEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clicks",
        abstract: "Dice after 1, 3, 5, 10 robot clicks: classical click tool vs DeepGrow 2D/3D and DeepEdit."
    )

    @Argument(help: "A study folder with a model registry (termlabel train).")
    var folder: String

    @Option(help: "Tools, comma-separated: classical, deepgrow2d, deepgrow3d, deepedit (default: all available), and growcut (a peer given a box; only when named).")
    var tools: String?

    @Option(help: "Clicks per structure.")
    var clicks = 10

    @Option(help: "Ground truth folder (<image id>.nii.gz); default: the folder's final labels.")
    var truth: String?

    @Option(help: "Only these studies (comma-separated image ids).")
    var studies: String?

    @Flag(help: "The networks' own answers: not settled on the image by a graph cut (DeepGrow 2D: on its slice).")
    var raw = false

    @Option(help: "Weight of the intensities beside the network's probability in the settling cut (0: the probability alone).")
    var intensityWeight: Float = GraphCutOptions().modelIntensityWeight

    @Option(help: "Weight of a generic model's log odds beside the seeds' likelihood in the settling cut (0: the seeds' likelihood alone).")
    var priorWeight: Float = GraphCutOptions().priorWeight

    @OptionGroup var graphCut: GraphCutArguments

    @Flag(help: "Every tool of a mode answers the clicks the robot makes for the first of them (classical where it runs), so that their Dice compare on the same clicks; otherwise each tool gets the clicks its own answers call for.")
    var sameClicks = false

    @Flag(help: "Print every click and the Dice after it.")
    var trace = false

    @Flag(help: "One JSON object per tool and mode.")
    var json = false

    enum Mode: String { case planar = "2D", volume = "3D" }

    struct Curve {
        var dice: [Double] = []
        var seconds: [Double] = []
    }

    func run() throws {
        try evaluate()
    }

    func evaluate() throws {
        let database = try AppDatabase(folder: folder)
        try database.sync()
        let shelf = ModelShelf(database: database)
        let wanted = tools.map { Set($0.split(separator: ",").map(String.init)) }
        var models: [ModelKind: (ModelRecord, SegmentationModel)] = [:]
        for kind in [ModelKind.deepgrow2d, .deepgrow3d, .deepedit] where wanted?.contains(kind.rawValue) ?? true {
            if let found = try shelf.current(kind) { models[kind] = found } else if wanted != nil {
                throw ModelError.noModel([kind], hint: "train one first (termlabel train \(folder) --model \(kind.rawValue))")
            }
        }
        let useClassical = wanted?.contains("classical") ?? true
        let useGrowCut = wanted?.contains("growcut") ?? false
        let names = Dictionary(try shelf.labels().map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
        let only = studies.map { Set($0.split(separator: ",").map(String.init)) }
        var settling = GraphCutOptions()
        settling.modelIntensityWeight = intensityWeight
        settling.priorWeight = priorWeight
        var curves: [String: [Curve]] = [:]  // "mode tool" → one curve per structure
        for study in try database.studies() where only?.contains(study.imageId) ?? true {
            let truthPath = try truth.map { $0 + "/\(study.imageId).nii.gz" } ?? database.newestLabel(study.imageId)?.path
            guard let truthPath, FileManager.default.fileExists(atPath: truthPath) else { continue }
            let image = try Volume(contentsOf: database.location.folder + "/" + study.path)
            let truthLabels = try LabelVolume(contentsOf: truthPath)
            guard truthLabels.grid.matches(image.grid) else {
                throw VolumeError.gridMismatch(path: truthPath, reason: "the ground truth's grid differs from its image's")
            }
            let trainedOn = models.values.contains { $0.0.trainedOn.contains(study.imageId) }
            if trainedOn { print("note: \(study.imageId) was in a model's training set") }
            var prepared: [ModelKind: PreparedImage] = [:]
            for (kind, (_, model)) in models { prepared[kind] = PreparedImage(image, config: model.config) }
            for label in truthLabels.labelsPresent where label != 0 {
                let structure = truthLabels.voxels.map { $0 == label }
                var tools: [(String, Mode, Tool)] = []
                if useClassical {
                    let classical: Tool = { positive, negative in
                        let seeds = Seeds(positive: positive, negative: negative, label: 1, radiusMM: 3, grid: image.grid)
                        return try GraphCutSegmenter.segment(image, seeds: seeds, options: graphCut.options).labels.voxels.map { $0 == 1 }
                    }
                    tools.append(("classical", .volume, classical))
                    tools.append(("classical", .planar, classical))
                }
                if useGrowCut {
                    // The peer as 3D Slicer's users run it: a box around the structure (its shell is background),
                    // then the clicks.
                    let shell = Self.shell(around: structure, grid: image.grid, marginVoxels: 2)
                    var options = GraphCutOptions()
                    options.method = .growcut
                    tools.append(("growcut+box", .volume, { positive, negative in
                        var seeds = Seeds(positive: positive, negative: negative, label: 1, radiusMM: 3, grid: image.grid)
                        seeds.background += shell
                        return try GraphCutSegmenter.segment(image, seeds: seeds, options: options).labels.voxels.map { $0 == 1 }
                    }))
                }
                for (kind, (record, model)) in models.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    let ready = prepared[kind]!
                    // DeepGrow grows whatever is clicked; DeepEdit only the labels it knows.
                    guard kind.isDeepGrow || model.config.labels.contains(where: { $0.value == label }) else { continue }
                    tools.append((kind.rawValue, kind == .deepgrow2d ? .planar : .volume, { positive, negative in
                        let clicks = ClickSet([label: positive, 0: negative])
                        return try Inference.answer(model, ready, image: image, clicks: clicks, label: label,
                                                    settlingWith: raw ? nil : clicks.seeds(radiusMM: 3, grid: image.grid),
                                                    likelihood: record.settlingLikelihood, options: settling)
                            .labels.voxels.map { $0 == label }
                    }))
                }
                // With --same-clicks, one robot per mode, led by its first tool.
                let groups = sameClicks ? [Mode.volume, .planar].map { mode in tools.filter { $0.1 == mode } }.filter { !$0.isEmpty }
                    : tools.map { [$0] }
                for group in groups {
                    let mode = group[0].1
                    let prefixes = group.map { "\(study.imageId) \(names[label] ?? "label \(label)") \(mode.rawValue) \($0.0)" }
                    let results = try robot(group.map(\.2), truth: structure, grid: image.grid, mode: mode, trace: trace ? prefixes : nil)
                    for ((name, _, _), curve) in zip(group, results) {
                        curves["\(mode.rawValue) \(name)", default: []].append(curve)
                        guard !json else { continue }
                        let d = curve.dice.map { String(format: "%.3f", $0) }.joined(separator: " ")
                        print("\(study.imageId) \((names[label] ?? "label \(label)").column(13)) \(mode.rawValue) \(name.column(11)) \(d)")
                    }
                }
            }
        }
        guard !curves.isEmpty else { throw ModelError.noStudies(folder: folder, wanted: "study with ground truth to evaluate on") }
        report(curves)
    }

    /// The faces of the structure's bounding box grown by `marginVoxels` (clipped to the grid).
    static func shell(around structure: [Bool], grid: Grid, marginVoxels: Int) -> [VoxelIndex] {
        var lower = [Int.max, Int.max, Int.max], upper = [-1, -1, -1]
        for n in structure.indices where structure[n] {
            let v = grid.voxel(atOffset: n)
            for axis in 0..<3 { lower[axis] = min(lower[axis], v[axis]); upper[axis] = max(upper[axis], v[axis]) }
        }
        guard upper[0] >= 0 else { return [] }
        for axis in 0..<3 {
            lower[axis] = max(lower[axis] - marginVoxels, 0)
            upper[axis] = min(upper[axis] + marginVoxels, grid.shape[axis] - 1)
        }
        var out: [VoxelIndex] = []
        for k in lower[2]...upper[2] { for j in lower[1]...upper[1] { for i in lower[0]...upper[0] {
            let v = [i, j, k]
            if (0..<3).contains(where: { v[$0] == lower[$0] || v[$0] == upper[$0] }) { out.append(VoxelIndex(i, j, k)) }
        } } }
        return out
    }

    /// A tool's answer (one flag per image voxel) to positive and negative clicks.
    typealias Tool = ([VoxelIndex], [VoxelIndex]) throws -> [Bool]

    /// Clicks until `clicks` are made (or nothing is wrong), each where the first tool's answer is most wrong; every
    /// tool answers every click. Dice after each, per tool. With `trace`, each click and the Dice after it are
    /// printed behind each tool's prefix.
    func robot(_ tools: [Tool], truth: [Bool], grid: Grid, mode: Mode, trace: [String]? = nil) throws -> [Curve] {
        // 2D: the axial slice (the voxel axis nearest superior–inferior) where the structure is largest.
        var judged = Array(truth.indices)
        var shape = grid.shape
        var toImage: (Int) -> VoxelIndex = { grid.voxel(atOffset: $0) }
        if mode == .planar {
            let axis = grid.orientation.voxelAxis(along: .z)
            let others = (0..<3).filter { $0 != axis }
            var counts = [Int](repeating: 0, count: grid.shape[axis])
            for n in truth.indices where truth[n] { counts[toImage(n)[axis]] += 1 }
            let slice = counts.indices.max { counts[$0] < counts[$1] }!
            judged = truth.indices.filter { toImage($0)[axis] == slice }
            shape = [grid.shape[others[0]], grid.shape[others[1]], 1]
            let all = toImage
            toImage = { n in all(judged[n]) }
        }
        let want = judged.map { truth[$0] ? UInt16(1) : 0 }
        var predicted = [[UInt16]](repeating: [UInt16](repeating: 0, count: want.count), count: tools.count)
        var positive: [VoxelIndex] = [], negative: [VoxelIndex] = []
        var curves = [Curve](repeating: Curve(), count: tools.count)
        for _ in 0..<clicks {
            var robot: SplitMix? = nil
            if let click = ClickSimulation.nextClick(prediction: predicted[0], truth: want, shape: shape, generator: &robot) {
                let v = toImage(click.voxel.i + shape[0] * (click.voxel.j + shape[1] * click.voxel.k))
                if click.label == 1 { positive.append(v) } else { negative.append(v) }
                for (n, tool) in tools.enumerated() {
                    let start = DispatchTime.now()
                    let mask = try tool(positive, negative)
                    curves[n].seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
                    predicted[n] = judged.map { mask[$0] ? 1 : 0 }
                }
            }
            for n in tools.indices {
                curves[n].dice.append(Trainer.dice(predicted[n], want, class: 1))
                if let trace {
                    let click = positive.count + negative.count
                    print("\(trace[n]) click \(click): \(String(format: "%.3f", curves[n].dice.last!))  + \(positive.map { "(\($0.i),\($0.j),\($0.k))" }.joined(separator: " "))  − \(negative.map { "(\($0.i),\($0.j),\($0.k))" }.joined(separator: " "))")
                }
            }
        }
        return curves
    }

    func report(_ curves: [String: [Curve]]) {
        let marks = [1, 3, 5, 10].filter { $0 <= clicks }
        if !json { print("\nmean Dice after " + marks.map { "\($0)" }.joined(separator: ", ") + " clicks (structures), seconds per call") }
        for (key, list) in curves.sorted(by: { $0.key < $1.key }) {
            let means = marks.map { m in list.map { $0.dice[m - 1] }.reduce(0, +) / Double(list.count) }
            let calls = list.flatMap(\.seconds)
            let seconds = calls.isEmpty ? 0 : calls.reduce(0, +) / Double(calls.count)
            let parts = key.split(separator: " ")
            if json {
                let dice = zip(marks, means).map { "\"\($0.0)\": \(String(format: "%.4f", $0.1))" }.joined(separator: ", ")
                print("{\"mode\": \"\(parts[0])\", \"tool\": \"\(parts[1])\", \"structures\": \(list.count), \"dice\": {\(dice)}, \"seconds_per_call\": \(String(format: "%.3f", seconds))}")
            } else {
                print("  \(parts[0]) \(String(parts[1]).column(11)) "
                      + means.map { String(format: "%.3f", $0) }.joined(separator: "  ") + String(format: "   %.2f s  (%d structures)", seconds, list.count))
            }
        }
    }
}
