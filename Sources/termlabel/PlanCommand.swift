// `termlabel plan DIR`: the dataset's fingerprint and this machine's → a plan for each model, stored with the
// study list; training starts from it.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Segmenters
import Volume

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan spacing, patch, width, epochs and memory of each model for this dataset and machine; store it."
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Option(help: "Minutes one training run may take.")
    var budgetMinutes = 10.0

    @Option(help: "Volumes read for intensities and structure sizes (headers are read for all).")
    var sample = 3

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        let database = try studyFolder.database()
        let fingerprint = try DatasetSurvey(database: database).fingerprint(sample: sample)
        let plan = Planner.plan(fingerprint, machine: .current(budgetSeconds: budgetMinutes * 60))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let text = String(decoding: try encoder.encode(plan), as: UTF8.self)
        try database.savePlan(text)
        if json { print(text); return }
        let f = fingerprint
        print("dataset: \(f.studies) studies (\(f.labeledStudies) labeled), \(f.modality), median voxel "
              + f.medianSpacingMM.map { String(format: "%.2f", $0) }.joined(separator: "×") + " mm, median extent "
              + f.medianExtentMM.map { String(format: "%.0f", $0) }.joined(separator: "×") + " mm, \(f.labelCount) label\(f.labelCount == 1 ? "" : "s")")
        print(String(format: "machine: %d cores, %.1f GB free, %.0f-minute budget", plan.machine.cores,
                     Double(plan.machine.freeMemoryBytes) / 1e9, budgetMinutes))
        for model in plan.models {
            print("\n\(model.config.kind.rawValue):")
            for reason in model.reasons { print("  " + reason) }
        }
    }
}
