// The model's grid for one image: the image's voxels reoriented to RAS and resampled to the model's spacing. Every
// model sees anatomy the same way round whatever the file's orientation, and clicks, images and labels pass
// between the two grids through the world coordinates, so a click lands on the structure it was made on.

import Foundation
import Segmenters
import Volume

public struct ModelSpace: Sendable {
    /// The image's own grid (the file's voxel order).
    public let image: Grid
    /// RAS, at the model's spacing.
    public let grid: Grid

    public init(image: Grid, spacingMM: [Double?]) {
        self.image = image
        let ras = image.reoriented(to: .ras)
        grid = ras.withSpacing((0..<3).map { spacingMM[$0] ?? ras.spacingMM[$0] })
    }

    /// The image on the model grid (trilinear), intensities normalised to [0, 1].
    public func image(_ volume: Volume, normalisation: IntensityNormalisation) -> [Float] {
        let window: IntensityWindow
        switch normalisation {
        case .window(let low, let high):
            window = IntensityWindow.spanning(low, high)
        case .percentiles(let low, let high):
            window = IntensityWindow.percentiles(of: volume, lower: low, upper: high)
        }
        let outside = Float(volume.voxels.min() ?? 0)
        return volume.resampled(to: grid, outside: outside).voxels.map(window.normalise)
    }

    /// Labels on the model grid (nearest).
    public func labels(_ labels: LabelVolume) -> [UInt16] { labels.resampled(to: grid).voxels }

    /// Where an image voxel lies on the model grid, rounded to the nearest model voxel and kept inside it.
    public func modelVoxel(_ v: VoxelIndex) -> VoxelIndex {
        let (x, y, z) = grid.voxelCoordinates(image.world(v))
        let c = [x, y, z].enumerated().map { min(max(Int($0.element.rounded()), 0), grid.shape[$0.offset] - 1) }
        return VoxelIndex(c[0], c[1], c[2])
    }

    /// Per-class probabilities on the model grid (class-major, i fastest) → the most likely class of every image
    /// voxel, as a label map with `values[class]` (class 0 = background = 0). Probabilities are interpolated
    /// (trilinear) before the choice, so edges are as smooth on the image grid as the model made them.
    public func labelMap(probabilities: [Float], classes: Int, values: [UInt16]) -> LabelVolume {
        precondition(probabilities.count == classes * grid.voxelCount && values.count == classes)
        let n = grid.voxelCount
        var best = [Float](repeating: -1, count: image.voxelCount)
        var out = LabelVolume(grid: image)
        for c in 0..<classes {
            let channel = Volume(grid: grid, voxels: Array(probabilities[c * n..<(c + 1) * n]))
            // Outside the model grid every class but background is impossible.
            let onImage = channel.resampled(to: image, outside: c == 0 ? 1 : 0).voxels
            for i in 0..<onImage.count where onImage[i] > best[i] {
                best[i] = onImage[i]
                out.voxels[i] = values[c]
            }
        }
        return out
    }

    /// A foreground probability on the model grid → the image voxels where it exceeds one half.
    public func mask(probability: [Float], threshold: Float = 0.5) -> [Bool] {
        Volume(grid: grid, voxels: probability).resampled(to: image, outside: 0).voxels.map { $0 > threshold }
    }
}
