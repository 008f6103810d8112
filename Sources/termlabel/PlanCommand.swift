// `termlabel plan DIR`: the dataset's fingerprint and this machine's → a plan for each model, stored with the
// study list; training starts from it.

import ArgumentParser
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

    @Argument(help: "A study folder.")
    var folder: String

    @Option(help: "Minutes one training run may take.")
    var budgetMinutes = 10.0

    @Option(help: "Volumes read for intensities and structure sizes (headers are read for all).")
    var sample = 3

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        do {
            let database = try AppDatabase(folder: folder)
            try database.sync()
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
                  + f.medianExtentMM.map { String(format: "%.0f", $0) }.joined(separator: "×") + " mm, \(f.labelCount) labels")
            print(String(format: "machine: %d cores, %.1f GB free, %.0f-minute budget", plan.machine.cores,
                         Double(plan.machine.freeMemoryBytes) / 1e9, budgetMinutes))
            for model in plan.models {
                print("\n\(model.config.kind.rawValue):")
                for reason in model.reasons { print("  " + reason) }
            }
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}

/// Reads what the planner needs from a folder: every header, a few volumes and their labels.
struct DatasetSurvey {
    let database: AppDatabase

    func fingerprint(sample: Int) throws -> DatasetFingerprint {
        let studies = try database.studies().filter { $0.status != .missing }
        guard !studies.isEmpty else { throw ModelError.noModel("\(database.location.folder): no images to plan for") }
        var spacings: [[Double]] = [], extents: [[Double]] = [], largest = 0
        for study in studies {
            // Headers only, in RAS order, so a sagittal acquisition counts its sections the right way round.
            let grid = try NiftiFile.open(database.location.folder + "/" + study.path).grid.reoriented(to: .ras)
            spacings.append(grid.spacingMM)
            extents.append((0..<3).map { Double(grid.shape[$0]) * grid.spacingMM[$0] })
            largest = max(largest, grid.voxelCount)
        }
        func median(_ rows: [[Double]], _ axis: Int) -> Double { rows.map { $0[axis] }.sorted()[rows.count / 2] }
        let labeled = try database.finalLabels()
        var percentiles: [[Double]] = []
        var modality = LabelNamesFile.modality(database.location.folder + "/labels.json")
        for study in (labeled.map(\.study) + studies).prefix(sample) {
            let image = try Volume(contentsOf: database.location.folder + "/" + study.path)
            if modality == nil { modality = Modality.guess(image) == .ct ? "CT" : "MRI" }
            // Inside the body: above the tenth percentile (air and background fill the rest of a field of view).
            let floor = Percentiles.of(image.voxels, [10])[0]
            percentiles.append(Percentiles.of(image.voxels.filter { Double($0) > floor }, [0.5, 99.5]))
        }
        var sizes: [UInt16: [Double]] = [:]
        for (_, label) in labeled.prefix(sample) {
            let labels = try LabelVolume(contentsOf: label.path)
            let voxel = labels.grid.spacingMM.reduce(1, *)
            var counts: [UInt16: Int] = [:]
            for v in labels.voxels where v != 0 { counts[v, default: 0] += 1 }
            for (value, count) in counts { sizes[value, default: []].append(Double(count) * voxel) }
        }
        let medianSizes = sizes.values.map { $0.sorted()[$0.count / 2] }
        return DatasetFingerprint(
            studies: studies.count, labeledStudies: labeled.count,
            medianSpacingMM: (0..<3).map { median(spacings, $0) }, medianExtentMM: (0..<3).map { median(extents, $0) },
            largestVoxelCount: largest, modality: modality ?? "MRI",
            bodyPercentiles: percentiles.isEmpty ? [] : [0, 1].map { i in percentiles.map { $0[i] }.sorted()[percentiles.count / 2] },
            labelCount: max(sizes.keys.max().map(Int.init) ?? 0, try ModelShelf(database: database).labels().count),
            smallestStructureMM3: medianSizes.min())
    }
}
