// `termlabel interpolate`: fills the slices between those a label is drawn on (shape-based interpolation).

import ArgumentParser
import Foundation
import Segmenters
import Volume

struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Fill the slices between those a label is drawn on (interpolated signed distances)."
    )

    @Argument(help: "A label volume (.nii or .nii.gz).")
    var labels: String

    @Option(help: "The label to fill (default: every label present).")
    var label: UInt16?

    @Option(help: "The slices' direction: axial, coronal or sagittal (by the image's orientation), or a voxel axis i, j, k.")
    var along = "axial"

    @Option(help: "Where to write the filled label volume (.nii.gz).")
    var out: String

    func validate() throws {
        guard ["axial", "coronal", "sagittal", "i", "j", "k"].contains(along) else {
            throw ValidationError("--along is axial, coronal, sagittal, i, j or k")
        }
    }

    func run() throws {
        var volume = try LabelVolume(contentsOf: labels)
        let axis: Int = switch along {
        case "i": 0
        case "j": 1
        case "k": 2
        case "coronal": volume.grid.orientation.voxelAxis(along: .y)
        case "sagittal": volume.grid.orientation.voxelAxis(along: .x)
        default: volume.grid.orientation.voxelAxis(along: .z)
        }
        let wanted: [UInt16] = if let label { [label] } else { volume.labelsPresent.filter { $0 != 0 } }
        for value in wanted {
            let filled = SliceInterpolation.fill(volume, label: value, axis: axis)
            for offset in filled { volume.voxels[offset] = value }
            print("label \(value): \(filled.count) voxels filled")
        }
        try volume.write(to: out)
        print("wrote \(out)")
    }
}
