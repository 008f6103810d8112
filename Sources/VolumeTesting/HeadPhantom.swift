// T1-weighted-like MRI head phantoms: scalp, skull, CSF, a folded grey-matter ribbon with sulci, white matter,
// deep grey nuclei, lateral ventricles and a cerebellum, under a smooth intensity bias field with Rician noise.

import Foundation
import Randomness
import Volume

public enum HeadPhantom {
    public static let labelNames = ["white_matter", "grey_matter", "csf"]

    public static func make(seed: UInt64, shape: [Int] = [128, 144, 80], spacing: [Double]? = nil,
                            orientation: String = "RAS") -> Phantom {
        var random = SplitMix(seed: seed)
        let spacing = spacing ?? [random.uniform(1.35, 1.5), 0, random.uniform(1.9, 2.2)]
        let grid = Phantom.centredGrid(shape: shape, spacing: [spacing[0], spacing[0], spacing[2]], orientation: orientation)
        let s = random.uniform(0.9, 1.05)
        let head = Blob(center: (0, 0, 5), radii: (72 * s, 92 * s, 78 * s), roughness: 0.03, random: &random,
                        waveLengthMM: 80...200)
        let gyri = SmoothField(random: &random, waves: 12, shortestMM: 14, longestMM: 30)
        let whiteShape = SmoothField(random: &random, waves: 10, shortestMM: 18, longestMM: 40)
        let bias = SmoothField(random: &random, waves: 4, shortestMM: 150, longestMM: 320)
        let texture = SmoothField(random: &random, waves: 6, shortestMM: 5, longestMM: 15)
        let ventricleSize = random.uniform(0.7, 1.4)   // enlarged ventricles in some subjects
        let ventricles = [-1.0, 1.0].map { side in
            Blob(center: (side * 9 * s, 5 * s, 18), radii: (6 * ventricleSize * s, 26 * s, 11 * ventricleSize),
                 yaw: side * 0.12, roughness: 0.1, random: &random, waveLengthMM: 20...50)
        }
        let nuclei = [-1.0, 1.0].map { side in
            Blob(center: (side * 16 * s, 0, 4), radii: (9 * s, 14 * s, 10), roughness: 0.08, random: &random)
        }
        let cerebellum = Blob(center: (0, -52 * s, -38), radii: (46 * s, 24 * s, 18), roughness: 0.06, random: &random)
        let grey = random.uniform(150, 175), white = random.uniform(240, 270), csf = random.uniform(35, 55)

        var signal = [Float](repeating: 0, count: grid.voxelCount)
        var labels = [UInt16](repeating: 0, count: grid.voxelCount)
        Phantom.forEachVoxel(of: grid) { n, x, y, z in
            let r = head.level(x, y, z)
            guard r < 1 else { return }
            let t = texture.value(x, y, z)
            let gain = 1 + 0.18 * bias.value(x, y, z)
            func set(_ value: Double, _ label: UInt16) {
                signal[n] = Float(value * gain)
                labels[n] = label
            }
            if r > 0.93 { return set(330 + 20 * t, 0) }              // scalp fat, bright in T1
            if r > 0.86 { return set(30 + 8 * t, 0) }               // skull
            let g = gyri.value(x, y, z)
            let brainSurface = 0.83 + 0.025 * g
            if r > brainSurface { return set(csf + 5 * t, 3) }     // CSF around the brain
            if cerebellum.contains(x, y, z) {
                return set(cerebellum.level(x, y, z) < 0.55 ? white + 5 * t : grey + 8 * t, cerebellum.level(x, y, z) < 0.55 ? 1 : 2)
            }
            for ventricle in ventricles where ventricle.contains(x, y, z) { return set(csf + 4 * t, 3) }
            for nucleus in nuclei where nucleus.contains(x, y, z) { return set(grey + 15 + 6 * t, 2) }
            let whiteSurface = brainSurface - 0.07 - 0.05 * max(0, whiteShape.value(x, y, z))
            if r > whiteSurface {
                // Sulci: CSF reaching into the grey ribbon where the folds dip.
                if g < -0.45 && r > whiteSurface + 0.015 { return set(csf + 10 * t, 3) }
                return set(grey + 8 * t, 2)
            }
            set(white + 6 * t, 1)
        }
        let image = Phantom.acquire(signal, grid: grid, blurVoxels: [0.6, 0.6, 0.5], noise: 9, clamp: 0...4095,
                                    random: &random, rician: true)
        let header = ImageHeader(datatype: .int16, dims: shape, zooms: grid.spacingMM, description: "TermLabel MRI phantom \(seed)")
        return Phantom(image: Volume(grid: grid, voxels: image, header: header),
                       labels: LabelVolume(grid: grid, voxels: labels), labelNames: labelNames)
    }
}
