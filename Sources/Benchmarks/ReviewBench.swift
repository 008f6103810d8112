// `termlabel bench review`: stepping through the review queue in the app, from the key to the complete frame
// (the study read, its figures computed or taken from the cache, the screen drawn), on CT studies of 512×512×300.

import App
import ArgumentParser
import Cells
import CommandOptions
import Datastore
import Foundation
import TUI
import Volume
import VolumeTesting

struct ReviewBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Time a step to the next study in review mode, key to complete frame (512×512×300 CT studies)."
    )

    @Option(help: "Studies in the queue.")
    var studies = 4

    @Option(help: "Slices per study (512×512 each).")
    var slices = 300

    @Option(help: "Seconds the reviewer looks at each study before the next step (the next study is read meanwhile).")
    var look = 3.0

    func run() throws {
        let folder = NSTemporaryDirectory() + "termlabel-bench-review-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let written = DispatchTime.now()
        for n in 0..<studies {
            let phantom = AbdomenPhantom.make(seed: UInt64(2000 + n))
            let target = Grid(shape: [512, 512, slices], affine: phantom.image.affine * Affine.scaling(160.0 / 512, 160.0 / 512, 56.0 / Double(slices)))
            try phantom.image.resampled(to: target).write(to: folder + "/ct_\(n).nii.gz")
            try phantom.labels.resampled(to: target).write(to: folder + "/labels/final/ct_\(n).nii.gz")
        }
        FileHandle.standardError.write(Data(String(format: "%d studies written in %.0f s\n", studies, seconds(since: written)).utf8))
        let database = try AppDatabase(folder: folder)
        try database.sync(author: "bench")
        let console = MemoryConsole(width: 200, height: 60)
        let app = AnnotationApp(database: database, state: AppState(folder: folder, studies: []), console: console)
        defer { app.close() }

        /// Key to complete frame: the key reduced, the work it starts finished and reduced, the frame drawn; the
        /// reviewer looked at the study for `look` seconds first.
        func step(_ key: Key) -> Double {
            usleep(UInt32(look * 1e6))
            app.settle()
            let start = DispatchTime.now()
            app.send(.key(key))
            app.settle()
            app.present()
            return seconds(since: start) * 1000
        }
        let start = DispatchTime.now()
        app.startReview(ReviewQueueFilter())
        app.settle()
        app.present()
        let first = seconds(since: start) * 1000
        // Forward once (figures computed on the way), back and forward again (figures from the cache).
        let forward = (1..<studies).map { _ in step(.character("n")) }
        let back = (1..<studies).map { _ in step(.character("p")) }
        let again = (1..<studies).map { _ in step(.character("n")) }
        guard app.state.open?.id == "ct_\(studies - 1)", app.state.review?.figures != nil else {
            throw ValidationError("the app did not reach the last study with its figures: \(app.state.message)")
        }
        printFigure("review", ["look_seconds": look, "first_study_ms": first, "step_new_figures_ms_median": median(forward), "step_new_figures_ms_max": forward.max() ?? 0,
                               "step_cached_figures_ms_median": median(back + again), "step_cached_figures_ms_max": (back + again).max() ?? 0,
                               "voxels_per_study_millions": Double(512 * 512 * slices) / 1e6, "studies": Double(studies),
                               "peak_resident_mb": ProcessMemory.resident().map { Double($0.peak) / 1e6 } ?? .nan], json: false)
    }
}
