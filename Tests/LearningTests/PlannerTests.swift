// The planner: CT gets a window and MRI percentiles, the spacing makes a section fit the patch, and on a small
// machine the plan shrinks until a training step fits half of the free memory.

import Learning
import XCTest

final class PlannerTests: XCTestCase {
    func fingerprint(modality: String, extent: Double = 300, voxels: Int = 512 * 512 * 300) -> DatasetFingerprint {
        DatasetFingerprint(studies: 20, labeledStudies: 5, medianSpacingMM: [0.8, 0.8, 1.5], medianExtentMM: [extent, extent, 400],
                           largestVoxelCount: voxels, modality: modality, bodyPercentiles: [-900, 1500], labelCount: 3,
                           smallestStructureMM3: 2000)
    }

    func testCTAndMRIAreNormalisedTheirOwnWay() {
        let ct = Planner.plan(fingerprint(modality: "CT"), machine: MachineProfile(cores: 2, freeMemoryBytes: 16 << 30, budgetSeconds: 600))
        XCTAssertEqual(ct.model(.auto)?.config.intensity, .ctDefault)
        let mri = Planner.plan(fingerprint(modality: "MRI"), machine: MachineProfile(cores: 2, freeMemoryBytes: 16 << 30, budgetSeconds: 600))
        XCTAssertEqual(mri.model(.deepedit)?.config.intensity, .mriDefault)
        for model in ct.models { XCTAssertFalse(model.reasons.isEmpty) }
    }

    func testASectionFitsThePatchAndTheSpacingIsNeverFinerThanTheData() throws {
        let plan = Planner.plan(fingerprint(modality: "CT"), machine: MachineProfile(cores: 2, freeMemoryBytes: 16 << 30, budgetSeconds: 600))
        let auto = try XCTUnwrap(plan.model(.auto))
        let spacing = try XCTUnwrap(auto.config.spacingMM[0])
        XCTAssertGreaterThanOrEqual(spacing, 0.8)
        XCTAssertLessThanOrEqual(300 / spacing, Double(auto.config.patch[0]), "a 300 mm section fits the patch")
        XCTAssertNil(auto.config.problem)
        XCTAssertNil(plan.model(.deepgrow2d)?.config.problem)
        // DeepGrow's crop spans an organ: 256 mm in-plane, as its defaults have it.
        for kind in [ModelKind.deepgrow2d, .deepgrow3d] {
            let config = try XCTUnwrap(plan.model(kind)?.config)
            XCTAssertEqual(try XCTUnwrap(config.spacingMM[0]) * Double(config.patch[0]), 256, "\(kind)")
        }
    }

    /// DeepGrow validates every epoch with the click robot on each validation structure: the budget holds that too,
    /// so a dataset with more structures gets fewer epochs of DeepGrow, and the automatic model as many.
    func testDeepGrowsBudgetCountsItsValidation() throws {
        var few = fingerprint(modality: "CT"), many = few
        (few.labelCount, many.labelCount) = (1, 12)
        let machine = MachineProfile(cores: 2, freeMemoryBytes: 16 << 30, budgetSeconds: 600)
        let (a, b) = (Planner.plan(few, machine: machine), Planner.plan(many, machine: machine))
        XCTAssertEqual(try XCTUnwrap(a.model(.auto)).epochs, try XCTUnwrap(b.model(.auto)).epochs)
        for kind in [ModelKind.deepgrow3d, .deepgrow2d] {
            XCTAssertLessThan(try XCTUnwrap(b.model(kind)).epochs, try XCTUnwrap(a.model(kind)).epochs, "\(kind)")
        }
    }

    func testOnASmallMachineTheStepFitsHalfTheFreeMemory() throws {
        let free = 900 << 20
        let plan = Planner.plan(fingerprint(modality: "CT"), machine: MachineProfile(cores: 2, freeMemoryBytes: free, budgetSeconds: 600))
        for model in plan.models {
            XCTAssertLessThanOrEqual(model.trainingBytes, free / 2, "\(model.config.kind)")
            XCTAssertNil(model.config.problem, "\(model.config.kind)")
        }
        let roomy = Planner.plan(fingerprint(modality: "CT"), machine: MachineProfile(cores: 2, freeMemoryBytes: 16 << 30, budgetSeconds: 600))
        XCTAssertLessThan(plan.model(.auto)!.config.patch.reduce(1, *) * plan.model(.auto)!.config.features[0],
                          roomy.model(.auto)!.config.patch.reduce(1, *) * roomy.model(.auto)!.config.features[0])
    }
}
