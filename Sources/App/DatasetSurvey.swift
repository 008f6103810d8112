import Datastore
import Foundation
import Learning
import Volume

/// Reads what the planner needs from a folder: every header, a few volumes and their labels.
public struct DatasetSurvey {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    public func fingerprint(sample: Int) throws -> DatasetFingerprint {
        let studies = try database.studies().filter { $0.status != .missing }
        guard !studies.isEmpty else { throw ModelError.noStudies(folder: database.location.folder, wanted: "images to plan for") }
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
        var modality = try LabelNamesFile.modality(database.location.folder + "/labels.json")
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
        // The labels DeepEdit and the automatic model learn: those the folder names, else every value present (not
        // the largest value: a folder naming a subset, or numbering with gaps, has fewer).
        let named = try ModelShelf(database: database).labels()
        return DatasetFingerprint(
            studies: studies.count, labeledStudies: labeled.count,
            medianSpacingMM: (0..<3).map { median(spacings, $0) }, medianExtentMM: (0..<3).map { median(extents, $0) },
            largestVoxelCount: largest, modality: modality ?? "MRI",
            bodyPercentiles: percentiles.isEmpty ? [] : [0, 1].map { i in percentiles.map { $0[i] }.sorted()[percentiles.count / 2] },
            labelCount: named.isEmpty ? sizes.count : named.count,
            smallestStructureMM3: medianSizes.min())
    }
}
