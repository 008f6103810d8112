// A training plan with a small network, so that a training run takes seconds in a debug build.

import Datastore
import Foundation
import Learning

/// Plans `fingerprint`'s models with features 4…16 and a patch of `patch` (one slice of it for DeepGrow 2D), at
/// `spacingMM` when given, and stores the plan with the study list.
func saveSmallPlan(_ database: AppDatabase, _ fingerprint: DatasetFingerprint, patch: [Int], spacingMM: [Double?]? = nil) throws {
    var plan = Planner.plan(fingerprint, machine: MachineProfile(cores: 2, freeMemoryBytes: 8 << 30, budgetSeconds: 60))
    for n in plan.models.indices {
        plan.models[n].config.features = [4, 4, 8, 8, 16, 4]
        plan.models[n].config.patch = plan.models[n].config.kind == .deepgrow2d ? [patch[0], patch[1], 1] : patch
        if let spacingMM { plan.models[n].config.spacingMM = spacingMM }
    }
    try database.savePlan(String(decoding: try JSONEncoder().encode(plan), as: UTF8.self))
}

/// The CT sample ct_001 with its label (and a second study) as the fingerprint sees them.
let ctSampleFingerprint = DatasetFingerprint(studies: 2, labeledStudies: 1, medianSpacingMM: [6, 6, 6], medianExtentMM: [288, 288, 162],
                                             largestVoxelCount: 160 * 160 * 56, modality: "CT", bodyPercentiles: [], labelCount: 5,
                                             smallestStructureMM3: nil)
