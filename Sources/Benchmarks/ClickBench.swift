// `termlabel bench clicks`: the classical tool's answer time as the user meets it, on an MRI head phantom:
// one click on the white matter with the region the whole 128³ volume, and simulated scribbles of the white
// matter, then of every tissue, on a 197×233×189 volume at 1 mm. Each figure gives the time of every stage (the likelihood's includes the
// seeds' surroundings and the geodesic distances) and the voxels cut.

import ArgumentParser
import CommandOptions
import Foundation
import Segmenters
import Volume
import VolumeTesting

struct ClickBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clicks",
        abstract: "Time one click on a 128³ region and scribbles on a 197×233×189 volume (classical tool)."
    )

    @Option(help: "Runs of each figure; the fastest is reported.")
    var repeats = 3

    @Flag(help: "One JSON object per line.")
    var json = false

    func run() throws {
        let small = HeadPhantom.make(seed: 11, shape: [128, 128, 128], spacing: [1.5, 0, 1.5])
        let centre = deepestVoxel(of: 1, in: small.labels)
        var click = GraphCutOptions()
        // The region is the whole volume from the start.
        click.roiMarginMM = 200
        click.maximumMarginMM = 200
        try figure("click_128cubed", small.image, Seeds(positive: [centre], negative: [], radiusMM: 3, grid: small.image.grid),
                   click, truth: small.labels, label: 1)

        // Scribbles of the white matter and around it (one cut), then of every tissue at once (α-expansion).
        let large = HeadPhantom.make(seed: 12, shape: [197, 233, 189], spacing: [1, 0, 1])
        let labels = large.labels.labelsPresent.filter { $0 != 0 }
        let background = UInt16(labels.max()! + 1)
        for (name, scribbled) in [("scribbles_197x233x189", [UInt16(1)]), ("scribbles_all_tissues_197x233x189", labels)] {
            let scribbles = ScribbleSimulator.scribbles(for: large.labels, labels: scribbled, backgroundValue: background)
            try figure(name, large.image, Seeds(scribbles: scribbles, backgroundValue: background), GraphCutOptions(),
                       truth: large.labels, label: 1)
        }

        // The filter bank a seed classifier would learn from: 6 features at 3 scales on the whole large volume
        // (the output alone is 18 floats a voxel).
        let window = IntensityWindow.automatic(for: large.image)
        let windowed = large.image.voxels.map { window.normalise($0) }
        var best = Double.infinity
        for _ in 0..<max(repeats, 1) {
            let start = DispatchTime.now()
            let bank = FilterBank(windowed, shape: large.image.shape, spacing: large.image.spacingMM, scalesMM: [1, 2, 4])
            best = min(best, seconds(since: start))
            _ = bank
        }
        printFigure("filter_bank_197x233x189", ["total_s": best, "features": 18, "voxels": Double(large.image.voxels.count),
                                                "output_MB": Double(18 * large.image.voxels.count * 4) / 1e6], json: json)
    }

    func figure(_ name: String, _ image: Volume, _ seeds: Seeds, _ options: GraphCutOptions, truth: LabelVolume, label: UInt16) throws {
        var best: (total: Double, result: SegmentationResult)?
        for _ in 0..<max(repeats, 1) {
            let start = DispatchTime.now()
            let result = try GraphCutSegmenter.segment(image, seeds: seeds, options: options)
            let total = seconds(since: start)
            if best == nil || total < best!.total { best = (total, result) }
        }
        guard let (total, result) = best else { return }
        var fields: [String: Double] = ["total_s": total, "region_voxels": Double(result.region.shape.reduce(1, *)),
                                        "dice_label_\(label)": result.labels.dice(with: truth, label: label)]
        for (stage, s) in result.timings { fields[stage.replacingOccurrences(of: " ", with: "_") + "_s"] = s }
        printFigure(name, fields, json: json)
    }

    /// The voxel of a label farthest inside it (by city-block distance to its border), where a user clicks first.
    func deepestVoxel(of label: UInt16, in labels: LabelVolume) -> VoxelIndex {
        let grid = labels.grid
        var depth = labels.voxels.map { $0 == label ? Int.max / 2 : 0 }
        let strides = [1, grid.shape[0], grid.shape[0] * grid.shape[1]]
        // Two passes of a chamfer transform along the storage order.
        for forward in [true, false] {
            for n in forward ? Array(depth.indices) : depth.indices.reversed() where depth[n] > 0 {
                let v = grid.voxel(atOffset: n)
                for axis in 0..<3 {
                    let step = forward ? -1 : 1
                    let p = v[axis] + step
                    let neighbour = p >= 0 && p < grid.shape[axis] ? depth[n + step * strides[axis]] : 0
                    depth[n] = min(depth[n], neighbour + 1)
                }
            }
        }
        return grid.voxel(atOffset: depth.indices.max { depth[$0] < depth[$1] }!)
    }
}
