// The data term from a random forest on the filter bank, trained on the seeds (ilastik's way): besides intensity,
// each voxel is described by its smoothed intensity, gradient, Laplacian and Hessian at 1, 2 and 4 mm, so that a
// tissue's interior is told from a rim of the same intensity and a tube from a blob. Background samples are the
// marked background and the region's faces inside the image (the region is grown until the structure lies inside
// it; where it reaches the image's edge the anatomy may go on, as in an image cropped to the head).

import Foundation
import Volume

enum ForestLikelihood {
    /// Most samples per class: enough for the forest, few enough to train in a fraction of a second.
    static let samplesPerClass = 4000
    /// −log posterior per class (background first, then `labels`), or nil without background samples.
    static func costs(intensities: [Float], shape: [Int], spacing: [Double], foreground: [UInt16: [Int]], labels: [UInt16],
                      background: [Int], border: [Int], scalesMM: [Double] = [1, 2, 4]) -> [[Float]]? {
        let seeded = Set(foreground.values.joined())
        let classes = [Array(Set(background).union(border).subtracting(seeded)).sorted()] + labels.map { foreground[$0] ?? [] }
        guard classes.allSatisfy({ !$0.isEmpty }) else { return nil }
        let bank = FilterBank(intensities, shape: shape, spacing: spacing, scalesMM: scalesMM)
        let features = [intensities] + bank.values
        var samples: [Float] = [], targets: [UInt8] = []
        // Every class gets the same number of samples (equal priors: the seeds say which classes there are, not how
        // large they are), spread evenly over its seeds so that a long stroke is not represented by its first part;
        // a class with fewer seeds repeats them.
        let perClass = min(samplesPerClass, classes.map(\.count).max() ?? 0)
        for (c, voxels) in classes.enumerated() {
            for n in 0..<perClass {
                let v = voxels[n * voxels.count / perClass]
                for f in features { samples.append(f[v]) }
                targets.append(UInt8(c))
            }
        }
        let forest = RandomForest(samples: samples, featureCount: features.count, labels: targets, classes: classes.count)
        let floor = 0.03 / Float(classes.count)
        return forest.probabilities(features).map { p in p.map { -log(0.97 * $0 + floor) } }
    }
}
