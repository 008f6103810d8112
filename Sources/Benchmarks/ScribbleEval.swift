// `termlabel eval scribbles DIR`: simulated scribbles (a cross inside, a loop outside, closed or left open in a few
// places, on a few axial slices) on every study with a final label, graph cut per label alone and all labels at
// once, Dice and time per label.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Segmenters
import Volume
import VolumeTesting

struct ScribbleEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scribbles",
        abstract: "Dice of the scribble graph cut with simulated scribbles, on studies with labels/final."
    )

    @Argument(help: "A study folder (images, labels/final/<id>.nii.gz, labels.json with names).")
    var folder: String

    @Option(help: "Axial slices scribbled per structure.")
    var slices = 3

    @Option(help: ArgumentHelp("Leave each background loop open in this many places (40° each): strokes drawn beside the structure rather than around it.", valueName: "n"))
    var loopGaps = 0

    @OptionGroup var graphCut: GraphCutArguments

    @Flag(help: "Add the local mean as a second feature (gmm).")
    var localMean = false

    @Option(help: "Also write the simulated scribbles and the results into this folder.")
    var keep: String?

    @Option(help: ArgumentHelp("Instead, each structure alone with each of these methods side by side (e.g. kde,forest,histogram@1,growcut; @λ gives a method its own smoothness weight), Dice and seconds.", valueName: "m,m,…"))
    var compare: String?

    func validate() throws {
        guard (0...6).contains(loopGaps) else { throw ValidationError("--loop-gaps takes 0 to 6 (each gap 40°), not \(loopGaps)") }
        for name in compare?.split(separator: ",") ?? [] where ComparedMethod(name) == nil {
            throw ValidationError("--compare takes methods among " + IntensityModel.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                                  + ", each with its own λ if followed by @λ (histogram@1); not \"\(name)\"")
        }
    }

    func run() throws {
        let labelFolder = folder + "/labels/final"
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: labelFolder)) ?? [])
            .filter { $0.hasSuffix(".nii.gz") }.map { String($0.dropLast(7)) }.sorted()
        guard !ids.isEmpty else {
            throw ModelError.noStudies(folder: folder, wanted: "labels/final/*.nii.gz to compare with")
        }
        let names = Dictionary(try LabelNamesFile.read(folder + "/labels.json").map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
        var options = graphCut.options
        options.localMean = localMean
        if let compare {
            return try compareMethods(compare.split(separator: ",").compactMap(ComparedMethod.init),
                                      ids: ids, names: names, options: options)
        }
        // Columns as wide as the longest study name and label name, so that every row says which it is.
        let idWidth = max(ids.map(\.count).max()!, 5), nameWidth = max(names.values.map(\.count).max() ?? 0, 8)
        print("study".column(idWidth + 2) + "label".column(nameWidth + 2) + "alone   all-at-once  seconds(alone)")
        var sums: [String: (alone: Double, together: Double, n: Int)] = [:]
        for id in ids {
            let image = try Volume(contentsOf: folder + "/\(id).nii.gz")
            let truth = try LabelVolume(contentsOf: labelFolder + "/\(id).nii.gz")
            let labels = truth.labelsPresent
            let background = UInt16(labels.max()! + 1)
            let scribbles = ScribbleSimulator.scribbles(for: truth, labels: labels, slices: slices, backgroundValue: background, loopGaps: loopGaps)
            let together = try GraphCutSegmenter.segment(image, seeds: Seeds(scribbles: scribbles, backgroundValue: background), options: options)
            for label in labels {
                let single = ScribbleSimulator.scribbles(for: truth, labels: [label], slices: slices, backgroundValue: background, loopGaps: loopGaps)
                let start = DispatchTime.now()
                let alone = try GraphCutSegmenter.segment(image, seeds: Seeds(scribbles: single, backgroundValue: background), options: options)
                let time = seconds(since: start)
                if let keep {
                    try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                    try single.write(to: keep + "/\(id)_scribbles_\(label).nii.gz")
                    try alone.labels.write(to: keep + "/\(id)_result_\(label).nii.gz")
                    try scribbles.write(to: keep + "/\(id)_scribbles_all.nii.gz")
                    try together.labels.write(to: keep + "/\(id)_result_all.nii.gz")
                }
                let name = names[label] ?? "label \(label)"
                let a = alone.labels.dice(with: truth, label: label), b = together.labels.dice(with: truth, label: label)
                print(String(format: "%@  %@  %.4f  %.4f       %.2f", id.column(idWidth), name.column(nameWidth), a, b, time))
                let old = sums[name] ?? (0, 0, 0)
                sums[name] = (old.alone + a, old.together + b, old.n + 1)
            }
        }
        print("mean per label")
        for (name, s) in sums.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  %@  %.4f  %.4f", name.column(nameWidth),
                         s.alone / Double(s.n), s.together / Double(s.n)))
        }
    }

    /// Each structure of each study alone, with each method on the same scribbles: Dice (seconds), then the means.
    func compareMethods(_ methods: [ComparedMethod], ids: [String], names: [UInt16: String], options: GraphCutOptions) throws {
        print("study                 label           " + methods.map { $0.name.column(16) }.joined())
        var dice = [[Double]](repeating: [], count: methods.count), times = dice
        for id in ids {
            let image = try Volume(contentsOf: folder + "/\(id).nii.gz")
            let truth = try LabelVolume(contentsOf: folder + "/labels/final/\(id).nii.gz")
            let labels = truth.labelsPresent
            let background = UInt16(labels.max()! + 1)
            for label in labels {
                let scribbles = ScribbleSimulator.scribbles(for: truth, labels: [label], slices: slices, backgroundValue: background, loopGaps: loopGaps)
                var row = (id + " ").column(22) + ((names[label] ?? "label \(label)") + " ").column(16)
                for (n, method) in methods.enumerated() {
                    var chosen = options
                    chosen.method = method.kind
                    if let lambda = method.lambda {
                        chosen.lambda = lambda
                        chosen.strokeLambda = lambda
                    }
                    let start = DispatchTime.now()
                    let result = try GraphCutSegmenter.segment(image, seeds: Seeds(scribbles: scribbles, backgroundValue: background), options: chosen)
                    let (d, t) = (result.labels.dice(with: truth, label: label), seconds(since: start))
                    dice[n].append(d)
                    times[n].append(t)
                    row += String(format: "%.4f (%5.2f s) ", d, t)
                }
                print(row)
            }
        }
        print("mean".column(38) + methods.indices.map {
            String(format: "%.4f (%5.2f s) ", dice[$0].reduce(0, +) / Double(max(dice[$0].count, 1)), times[$0].reduce(0, +) / Double(max(times[$0].count, 1)))
        }.joined())
    }
}

/// A method for `--compare`, with its own smoothness weight where one is named ("histogram@1": the histogram cut at
/// λ 1 beside the others at `--lambda`), so that each peer can run at the setting it does best with.
struct ComparedMethod {
    let kind: IntensityModel.Kind
    let lambda: Float?

    init?(_ text: Substring) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let kind = IntensityModel.Kind(rawValue: String(parts[0])) else { return nil }
        if parts.count == 2 {
            guard let lambda = Float(parts[1]), lambda.isFinite, lambda >= 0 else { return nil }
            self.lambda = lambda
        } else {
            lambda = nil
        }
        self.kind = kind
    }

    var name: String { kind.rawValue + (lambda.map { String(format: "@%g", $0) } ?? "") }
}
