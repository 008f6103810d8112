// `termlabel bench sync`: importing a folder of many small studies (10,000 by default) into a new study list,
// then syncing it again unchanged. Headers only: no voxel data is read to list studies.

import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Volume

struct SyncBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Time importing and re-syncing a folder of many small studies."
    )

    @Option(help: "Number of studies.")
    var studies = 10_000

    @Option(help: "Folder to build the studies in (emptied first).")
    var workdir = "/tmp/termlabel-bench/sync"

    @Flag(help: "One JSON object per line.")
    var json = false

    func run() throws {
        try? FileManager.default.removeItem(atPath: workdir)
        try FileManager.default.createDirectory(atPath: workdir + "/labels/final", withIntermediateDirectories: true)
        let grid = Grid(shape: [16, 16, 8], affine: .scaling(0.8, 0.8, 2.5))
        let image = Volume(grid: grid, voxels: (0..<grid.voxelCount).map { Float($0 % 200) },
                           header: ImageHeader(datatype: .int16, dims: grid.shape, zooms: grid.spacingMM))
        var label = LabelVolume(grid: grid)
        label.voxels[7] = 1
        // One file written, then copied: making the folder is not what is measured.
        try image.write(to: workdir + "/study_00000.nii.gz")
        try label.write(to: workdir + "/labels/final/study_00000.nii.gz")
        let imageData = try Data(contentsOf: URL(fileURLWithPath: workdir + "/study_00000.nii.gz"))
        let labelData = try Data(contentsOf: URL(fileURLWithPath: workdir + "/labels/final/study_00000.nii.gz"))
        for n in 1..<studies {
            let id = String(format: "study_%05d", n)
            try imageData.write(to: URL(fileURLWithPath: workdir + "/\(id).nii.gz"))
            if n % 4 == 0 { try labelData.write(to: URL(fileURLWithPath: workdir + "/labels/final/\(id).nii.gz")) }
        }
        var start = DispatchTime.now()
        let database = try AppDatabase(folder: workdir)
        let first = try database.sync()
        let importSeconds = seconds(since: start)
        start = DispatchTime.now()
        let second = try database.sync()
        let resyncSeconds = seconds(since: start)
        start = DispatchTime.now()
        let rows = try database.studyRows()
        let listSeconds = seconds(since: start)
        // The cost of journaling one edit (each durable when the call returns).
        let edits = 200
        start = DispatchTime.now()
        for n in 0..<edits {
            try database.journal(DraftEdit(kind: .brush, changes: (0..<50).map { (Int32((n * 50 + $0) % grid.voxelCount), 0, 1) }),
                                 imageId: "study_00001", user: "bench", baseVersion: nil)
        }
        let journalMilliseconds = seconds(since: start) * 1000 / Double(edits)
        try database.discardDraft("study_00001", user: "bench")
        let figures: [(String, Double)] = [("import_s", importSeconds), ("resync_s", resyncSeconds), ("list_rows_s", listSeconds),
                                           ("journal_ms_per_edit", journalMilliseconds),
                                           ("studies", Double(first.added.count)), ("label_versions", Double(first.labelVersions.count)),
                                           ("resync_changes", second.changedAnything ? 1 : 0), ("rows", Double(rows.count))]
        if json {
            print("{\"name\": \"sync\", " + figures.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            print("sync  " + figures.map { "\($0.0) \(String(format: "%.3f", $0.1))" }.joined(separator: "  "))
        }
    }
}
