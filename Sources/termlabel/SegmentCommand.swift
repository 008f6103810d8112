// `termlabel segment`: scribbles or clicks → a label volume by likelihood + 3D graph cut, with Dice against a
// reference and the time of each stage.

import ArgumentParser
import CommandOptions
import Foundation
import Segmenters
import Volume

struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment an image from scribbles or clicks (likelihood + 3D graph cut), no model needed."
    )

    @Argument(help: "The image (.nii or .nii.gz).")
    var image: String

    @Option(help: "Scribble volume on the image grid: 0 none, 1…N that label, the background value background.")
    var scribbles: String?

    @Option(help: "Clicks as JSON in voxel indices: {\"foreground\": [[i,j,k],…], \"background\": […]}.")
    var clicks: String?

    @Option(help: "A box drawn on one slice, two opposite corners I,J,K,I,J,K sharing the slice's index: the structure lies inside.")
    var box: String?

    @Option(help: "A lasso as JSON, a closed stroke on one slice [[i,j,k],…]: its inside is the structure on that slice.")
    var lasso: String?

    @Option(help: "Scribble value meaning background (default: the largest value present).")
    var backgroundValue: UInt16?

    @OptionGroup var graphCut: GraphCutArguments

    @Option(help: "Intensity window LOW,HIGH (default: a CT window for CT, percentiles otherwise).")
    var window: String?

    @Option(help: "Radius of the seed ball around each click, in millimetres.")
    var clickRadius: Double = 3

    @Option(help: "Neighbours per voxel in the graph: 6 or 26.")
    var connectivity = 6

    @Option(help: "Average the region over blocks I,J,K before cutting (e.g. 2,2,1), for speed on large regions.")
    var downsample = "1,1,1"

    @Flag(help: "Add the local mean as a second feature (gmm).")
    var localMean = false

    @Flag(help: "Keep every connected component, not only those holding a foreground seed.")
    var keepAllComponents = false

    @Flag(help: "Leave enclosed holes unfilled.")
    var keepHoles = false

    @Option(help: "Reference label volume: print Dice per label.")
    var reference: String?

    @Option(help: "Where to write the label volume (.nii.gz).")
    var out: String

    func validate() throws {
        guard (scribbles == nil) != (clicks == nil && box == nil && lasso == nil) else {
            throw ValidationError("give --scribbles or --clicks, one of them (a --box or --lasso can stand for or join the clicks)")
        }
        if let box, corners(box) == nil { throw ValidationError("--box takes six whole numbers I,J,K,I,J,K") }
        if let window, parseWindow(window) == nil { throw ValidationError("--window takes LOW,HIGH with LOW < HIGH") }
        guard GridGraph.Connectivity(rawValue: connectivity) != nil else { throw ValidationError("--connectivity is 6 or 26") }
        guard blocks != nil else { throw ValidationError("--downsample takes three whole numbers I,J,K of at least 1") }
    }

    func corners(_ text: String) -> (VoxelIndex, VoxelIndex)? {
        let n = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return n.count == 6 ? (VoxelIndex(n[0], n[1], n[2]), VoxelIndex(n[3], n[4], n[5])) : nil
    }

    var blocks: [Int]? {
        let parts = downsample.split(separator: ",").compactMap { Int($0) }
        return parts.count == 3 && parts.allSatisfy { $0 >= 1 } ? parts : nil
    }

    func parseWindow(_ text: String) -> IntensityWindow? {
        let parts = text.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        return parts.count == 2 && parts[0] < parts[1] ? IntensityWindow(lower: parts[0], upper: parts[1]) : nil
    }

    func run() throws {
        let start = DispatchTime.now()
        let volume = try Volume(contentsOf: image)
        var stages: [(String, Double)] = [("read", seconds(since: start))]
        let seeds: Seeds
        if let scribbles {
            let map = try LabelVolume(contentsOf: scribbles)
            guard map.grid.matches(volume.grid) else {
                throw SegmentationError.gridMismatch("\(scribbles) is not on the grid of \(image)")
            }
            let present = map.labelsPresent
            let background = backgroundValue ?? (present.count > 1 ? present.last! : 0)
            seeds = Seeds(scribbles: map, backgroundValue: background)
        } else {
            var prompts: [Seeds] = []
            if let clicks {
                let parsed = try ClickJSON.read(clicks, within: volume.grid)
                prompts.append(Seeds(positive: parsed.filter(\.positive).map(\.voxel), negative: parsed.filter { !$0.positive }.map(\.voxel),
                                     radiusMM: clickRadius, grid: volume.grid))
            }
            if let box, let (a, b) = corners(box) {
                prompts.append(try SlicePrompt.box(a, b, clickRadiusMM: clickRadius, grid: volume.grid))
            }
            if let lasso {
                let points = try ClickJSON.readPoints(lasso)
                do {
                    prompts.append(try SlicePrompt.lasso(points, grid: volume.grid))
                } catch let error as SegmentationError {
                    throw SegmentationError.badInput(path: lasso, reason: error.description)
                }
            }
            seeds = prompts.dropFirst().reduce(prompts[0]) { $0.joined(with: $1) }
        }
        var options = graphCut.options
        options.window = window.flatMap(parseWindow)
        options.connectivity = GridGraph.Connectivity(rawValue: connectivity)!
        options.downsample = blocks!
        options.localMean = localMean
        options.keepSeededComponents = !keepAllComponents
        options.fillHoles = !keepHoles
        let result = try GraphCutSegmenter.segment(volume, seeds: seeds, options: options)
        stages += result.timings
        let writeStart = DispatchTime.now()
        try result.labels.write(to: out)
        stages.append(("write", seconds(since: writeStart)))
        print("wrote \(out)  region \(result.region.shape.map(String.init).joined(separator: "×")) voxels")
        print(stages.map { "\($0.0) \(String(format: "%.3f", $0.1)) s" }.joined(separator: "  "))
        if let reference {
            let truth = try LabelVolume(contentsOf: reference)
            guard truth.grid.matches(volume.grid) else {
                throw SegmentationError.gridMismatch("\(reference) is not on the grid of \(image)")
            }
            for label in seeds.labels {
                print("label \(label)  Dice \(String(format: "%.4f", result.labels.dice(with: truth, label: label)))")
            }
        }
    }
}
