// The synthetic studies hold what click models must learn from: every kind of shape, thin sheets, walls around
// lumens, holes, look-alike neighbours that touch, thick and thin slices, CT- and MRI-like ranges; and the same
// seed gives the same study.

@testable import Segmenters
import Synthesis
import Volume
import XCTest

final class SyntheticStudyTests: XCTestCase {
    static let studies = (0..<16).map { SyntheticStudy.make(seed: UInt64($0), shape: [48, 48, 32]) }

    func testTheSameSeedGivesTheSameStudyAndAnotherSeedAnother() {
        let again = SyntheticStudy.make(seed: 3, shape: [48, 48, 32])
        XCTAssertTrue(again.image.voxels == Self.studies[3].image.voxels && again.labels.voxels == Self.studies[3].labels.voxels)
        XCTAssertEqual(again.image.grid, Self.studies[3].image.grid)
        XCTAssertFalse(Self.studies[3].labels.voxels == Self.studies[4].labels.voxels)
    }

    func testEveryKindAppearsAndAcquisitionsVary() {
        let kinds = Set(Self.studies.flatMap { $0.record.kinds })
        XCTAssertEqual(kinds, Set(StructureKind.allCases))
        let slices = Self.studies.map { $0.record.spacingMM[2] }
        XCTAssertLessThan(slices.min()!, 2)
        XCTAssertGreaterThan(slices.max()!, 4)
        XCTAssertTrue(Self.studies.contains { $0.record.ctLike } && Self.studies.contains { !$0.record.ctLike })
        XCTAssertTrue(Self.studies.contains { $0.record.inverted } && Self.studies.contains { $0.record.rician })
        for study in Self.studies {
            XCTAssertTrue(study.image.voxels.allSatisfy { $0.isFinite })
            let (lo, hi) = (study.image.voxels.min()!, study.image.voxels.max()!)
            XCTAssertTrue(study.record.ctLike ? lo < -500 || hi > 300 : lo >= -300, "range \(lo)…\(hi)")
            XCTAssertTrue(study.labels.grid.matches(study.image.grid))
        }
    }

    /// Voxels of `value`, and the share of them with a face neighbour of another label (1 for a sheet one voxel thick).
    func surfaceShare(_ labels: LabelVolume, _ value: UInt16) -> (count: Int, surface: Double) {
        let s = labels.shape
        var count = 0, surface = 0
        for k in 0..<s[2] { for j in 0..<s[1] { for i in 0..<s[0] where labels[i, j, k] == value {
            count += 1
            var edge = false
            for (a, b, c) in [(i - 1, j, k), (i + 1, j, k), (i, j - 1, k), (i, j + 1, k)] where a >= 0 && a < s[0] && b >= 0 && b < s[1] {
                if labels[a, b, c] != value { edge = true }
            }
            if edge { surface += 1 }
        } } }
        return (count, count > 0 ? Double(surface) / Double(count) : 0)
    }

    func testSheetsAreThinWallsHoldTheirLumensHolesAreEnclosedAndTwinsTouchLookingAlike() {
        var checked: [StructureKind: Int] = [:]
        for study in Self.studies {
            let labels = study.labels
            for (index, kind) in study.record.kinds.enumerated() {
                let value = UInt16(index + 1)
                let mask = labels.voxels.map { $0 == value }
                let (count, surface) = surfaceShare(labels, value)
                guard count > 200 else { continue }   // cut off by the field of view, or covered by later shapes
                switch kind {
                case .sheet:
                    XCTAssertGreaterThan(surface, 0.6, "a sheet is a few voxels thick")
                    checked[.sheet, default: 0] += 1
                case .holed:
                    let filled = Components.fillHoles(mask, shape: labels.shape)
                    XCTAssertGreaterThan(filled.filter { $0 }.count, count, "a holed structure encloses something")
                    checked[.holed, default: 0] += 1
                case .lumen:
                    // The wall painted just before surrounds it: most of the lumen's outer faces touch the wall.
                    let shape = labels.shape
                    var faces = 0, onWall = 0
                    for n in mask.indices where mask[n] {
                        let v = labels.grid.voxel(atOffset: n)
                        for (a, b, c) in [(v.i - 1, v.j, v.k), (v.i + 1, v.j, v.k), (v.i, v.j - 1, v.k), (v.i, v.j + 1, v.k), (v.i, v.j, v.k - 1), (v.i, v.j, v.k + 1)]
                        where a >= 0 && a < shape[0] && b >= 0 && b < shape[1] && c >= 0 && c < shape[2] && labels[a, b, c] != value {
                            faces += 1
                            if labels[a, b, c] == value - 1 { onWall += 1 }
                        }
                    }
                    XCTAssertGreaterThan(Double(onWall) / Double(max(faces, 1)), 0.5)
                    checked[.lumen, default: 0] += 1
                default: break
                }
            }
            for pair in study.record.sharedIntensity {
                let (a, b) = (pair[0], pair[1])
                let s = labels.shape
                var touching = false
                for k in 0..<s[2] { for j in 0..<s[1] { for i in 0..<(s[0] - 1) {
                    let (x, y) = (labels[i, j, k], labels[i + 1, j, k])
                    if (x == a && y == b) || (x == b && y == a) { touching = true }
                } } }
                func median(_ value: UInt16) -> Float? {
                    let v = labels.voxels.indices.filter { labels.voxels[$0] == value }.map { study.image.voxels[$0] }.sorted()
                    return v.count > 50 ? v[v.count / 2] : nil
                }
                guard touching, let ma = median(a), let mb = median(b) else { continue }
                let range = study.image.voxels.max()! - study.image.voxels.min()!
                XCTAssertLessThan(abs(ma - mb) / range, 0.15, "twins look alike")
                checked[.twin, default: 0] += 1
            }
        }
        for kind in [StructureKind.sheet, .holed, .lumen, .twin] {
            XCTAssertGreaterThan(checked[kind] ?? 0, 0, "\(kind) was checked at least once")
        }
    }
}
