// The app's classical tool reads its seeds from the draft's seed volume, which holds the clicks' balls but not their
// order; the likelihood needs to know which click came first (a negative click overrules later clicks' tissue, never
// the first's), so the request carries the clicks.

import Datastore
import Segmenters
@testable import TUI
@testable import App
import Volume
import VolumeTesting
import XCTest

final class ClickOrderTests: XCTestCase {
    func testTheAppsClassicalToolKnowsWhichClickCameFirst() throws {
        // The held-out ct_103's lesion: two clicks inside it, one on its rim with the liver's value (first in the
        // volume's order: the lowest slice), then a negative click in the liver. Taking the rim click for the first
        // leaves the liver flooded (Dice 0.006).
        let ct103 = try XCTUnwrap(SampleSets.heldOut(3).first { $0.id == "ct_103" }).make()
        let grid = ct103.image.grid
        let lesion = LabelVolume(grid: grid, voxels: ct103.labels.voxels.map { $0 == 5 ? 1 : 0 })
        let clicks = [Click(VoxelIndex(74, 71, 32), label: 1, positive: true), Click(VoxelIndex(63, 69, 33), label: 1, positive: true),
                      Click(VoxelIndex(63, 63, 30), label: 1, positive: true), Click(VoxelIndex(55, 80, 50), label: 1, positive: false)]
        var seeds = LabelVolume(grid: grid)
        for click in clicks {
            for v in Seeds.balls(around: [click.voxel], radiusMM: 3, grid: grid) { seeds[v] = click.positive ? 1 : Draft.backgroundSeed }
        }
        let request = SegmentRequest(image: ct103.image, seeds: seeds, clicks: clicks, label: 1)
        guard case .segmented(let labels, _) = EffectRunner.segment(request, clock: ManualClock(), cancellation: Cancellation()) else {
            return XCTFail("the graph cut did not answer")
        }
        let dice = labels.dice(with: lesion, label: 1)
        XCTAssertGreaterThan(dice, 0.85, "\(labels.count(of: 1)) voxels for the lesion's \(lesion.count(of: 1))")
    }
}
