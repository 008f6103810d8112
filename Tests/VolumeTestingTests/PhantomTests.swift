// The phantoms look like what they stand for, are reproducible, and are hard enough that a threshold alone
// does not segment their organs; the committed samples are exactly what the generator makes.

import Foundation
import Volume
import VolumeTesting
import XCTest

final class PhantomTests: XCTestCase {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path

    func testTheSameSeedGivesTheSameVolume() {
        let a = AbdomenPhantom.make(seed: 5, shape: [40, 40, 12])
        let b = AbdomenPhantom.make(seed: 5, shape: [40, 40, 12])
        let c = AbdomenPhantom.make(seed: 6, shape: [40, 40, 12])
        XCTAssertTrue(a.image.voxels == b.image.voxels)
        XCTAssertTrue(a.labels == b.labels)
        XCTAssertFalse(a.image.voxels == c.image.voxels)
    }

    func testCommittedSamplesAreWhatTheGeneratorMakes() throws {
        let item = try XCTUnwrap(SampleSets.cases.first { $0.id == "ct_001" })
        let phantom = item.make()
        let image = try Volume(contentsOf: Self.samples + "/ct-abdomen/ct_001.nii.gz")
        XCTAssertEqual(zip(image.voxels, phantom.image.voxels).filter { $0 != $1 }.count, 0, "voxels differing")
        XCTAssertTrue(image.affine.isApproximatelyEqual(to: phantom.image.affine, tolerance: 1e-5))
        let labels = try LabelVolume(contentsOf: Self.samples + "/ct-abdomen/labels/final/ct_001.nii.gz")
        XCTAssertEqual(zip(labels.voxels, phantom.labels.voxels).filter { $0 != $1 }.count, 0, "labels differing")
        // Every case of the list is on disk, with ground truth for the labeled ones only.
        for item in SampleSets.cases {
            let folder = Self.samples + "/" + item.set
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/\(item.id).nii.gz"), item.id)
            XCTAssertEqual(FileManager.default.fileExists(atPath: folder + "/labels/final/\(item.id).nii.gz"), item.labeled, item.id)
        }
    }

    func testHeldOutCasesAreNewStudiesWithGroundTruth() {
        let held = SampleSets.heldOut(4)
        XCTAssertEqual(held.count, 8, "four of each set")
        XCTAssertTrue(held.allSatisfy(\.labeled))
        XCTAssertEqual(Set(held.map(\.set)), ["ct-abdomen-held-out", "mri-head-held-out"])
        let bundled = SampleSets.cases
        XCTAssertTrue(Set(held.map(\.seed)).isDisjoint(with: bundled.map(\.seed)), "no bundled study again")
        XCTAssertEqual(Set(held.map(\.seed)).count, held.count)
        XCTAssertTrue(Set(held.map(\.id)).isDisjoint(with: bundled.map(\.id)), "ids that can sit beside the bundled ones")
        XCTAssertEqual(held.filter { $0.modality == .ct }.map(\.id), ["ct_101", "ct_102", "ct_103", "ct_104"])
    }

    /// One full-size abdomen shared by the tests that only read it.
    static let abdomen = AbdomenPhantom.make(seed: 1002)

    func testAbdomenHasCTIntensitiesAndEveryOrgan() throws {
        let phantom = Self.abdomen
        let image = phantom.image, labels = phantom.labels
        XCTAssertEqual(labels.labelsPresent, [1, 2, 3, 4, 5])
        func mean(_ label: UInt16) -> Double {
            var sum = 0.0, count = 0
            for n in 0..<labels.voxels.count where labels.voxels[n] == label { sum += Double(image.voxels[n]); count += 1 }
            return sum / Double(count)
        }
        XCTAssertTrue((80...150).contains(mean(1)), "liver \(mean(1)) HU")
        XCTAssertTrue((80...150).contains(mean(2)), "spleen \(mean(2)) HU")
        let histogram = Histogram.counts(image.voxels, bins: 5, range: -1050...1200)
        XCTAssertGreaterThan(histogram[0], image.voxels.count / 5, "air around the body")
        XCTAssertGreaterThan(image.voxels.filter { $0 > 300 }.count, 1000, "bone")
        XCTAssertGreaterThan(image.voxels.filter { (-130)...(-70) ~= $0 }.count, 20000, "fat")
    }

    func testNoIntensityIntervalSegmentsTheLiver() {
        let phantom = Self.abdomen
        // The best Dice any [lo, hi] window reaches against the liver, from 5 HU histograms.
        let lo = -200.0, width = 5.0, bins = 120
        var inside = [Int](repeating: 0, count: bins), outside = inside
        for n in 0..<phantom.image.voxels.count {
            let b = Int((Double(phantom.image.voxels[n]) - lo) / width)
            guard b >= 0 && b < bins else { continue }
            if phantom.labels.voxels[n] == 1 { inside[b] += 1 } else { outside[b] += 1 }
        }
        let liver = phantom.labels.voxels.filter { $0 == 1 }.count
        var best = 0.0
        for a in 0..<bins {
            var tp = 0, fp = 0
            for b in a..<bins {
                tp += inside[b]; fp += outside[b]
                best = max(best, 2 * Double(tp) / Double(liver + tp + fp))
            }
        }
        // Well short of the ≥ 0.9 that a segmenter must reach.
        XCTAssertLessThan(best, 0.85, "a threshold alone reaches Dice \(best)")
        XCTAssertGreaterThan(best, 0.2)
    }

    func testHeadHasTissueContrastAndABiasField() {
        let phantom = HeadPhantom.make(seed: 2002, shape: [64, 72, 40], spacing: [2.8, 0, 4])
        func mean(_ label: UInt16) -> Double {
            let values = zip(phantom.labels.voxels, phantom.image.voxels).filter { $0.0 == label }.map { Double($0.1) }
            return values.reduce(0, +) / Double(values.count)
        }
        XCTAssertEqual(phantom.labels.labelsPresent, [1, 2, 3])
        XCTAssertGreaterThan(mean(1), mean(2) + 40, "white brighter than grey in T1")
        XCTAssertGreaterThan(mean(2), mean(3) + 40, "grey brighter than CSF")
        // The bias field makes white matter brighter in one part of the head than in another.
        let g = phantom.image.grid
        var halves = [0.0, 0.0], counts = [0, 0]
        for k in 0..<g.shape[2] { for j in 0..<g.shape[1] { for i in 0..<g.shape[0] where phantom.labels[i, j, k] == 1 {
            let h = i < g.shape[0] / 2 ? 0 : 1
            halves[h] += Double(phantom.image[i, j, k]); counts[h] += 1
        } } }
        XCTAssertNotEqual(halves[0] / Double(counts[0]), halves[1] / Double(counts[1]), accuracy: 2)
    }
}
