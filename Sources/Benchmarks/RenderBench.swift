// `termlabel bench render`: one full frame of a 512×512 slice with its label overlay into 200×60 cells (compute
// time), and the bytes sent to the terminal when stepping one slice, in 24-bit, 256 and 16 colours; then, for each
// pixel protocol, the same slice in a 1600×960-pixel view (208×52 cells of 10×20 pixels): bytes and milliseconds
// (drawing the picture and encoding it) of the first frame, of a slice step, and of a cursor step (the overlay).

import ArgumentParser
import CommandOptions
import Cells
import Datastore
import Foundation
import Render
import Terminal
import TUI
import Volume
import VolumeTesting

struct RenderBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Time and count the bytes of a full frame and a slice step (512×512 slice with overlay), in cells and in each pixel protocol."
    )

    @Option(help: "Write the two slices as 8-bit PGM files here (for comparing with chafa).")
    var pgm: String?

    func run() throws {
        // A CT phantom resampled to 512×512 in-plane, with its labels.
        let phantom = AbdomenPhantom.make(seed: 1001)
        let target = Grid(shape: [512, 512, 56], affine: phantom.image.affine * Affine.scaling(160.0 / 512, 160.0 / 512, 1))
        let image = phantom.image.resampled(to: target)
        let labels = phantom.labels.resampled(to: target)
        var state = AppState(folder: "bench", studies: [StudyEntry(id: "ct", status: "labeled")])
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "ct", image: image, draft: Draft(labels: labels), isCT: true)))
        state.screen = (200, 60)
        var times: [Double] = []
        var frame = CellBuffer(width: 0, height: 0)
        for _ in 0..<30 {
            let start = DispatchTime.now()
            frame = Screen.render(state, width: 200, height: 60)
            times.append(seconds(since: start) * 1000)
        }
        var results: [(String, Double)] = [("frame_ms_median", median(times)), ("frame_ms_max", times.max() ?? 0)]
        let encoder = FrameEncoder()
        for depth in [ColorDepth.truecolor, .palette256, .palette16] {
            state.colorDepth = depth
            let before = Screen.render(state, width: 200, height: 60)
            var next = state
            _ = Reducer.reduce(&next, .key(.pageUp))
            let after = Screen.render(next, width: 200, height: 60)
            results.append(("full_frame_bytes_\(depth.rawValue)", Double(encoder.encode(before.changes(since: nil)).count)))
            results.append(("slice_step_bytes_\(depth.rawValue)", Double(encoder.encode(after.changes(since: before)).count)))
        }
        _ = frame
        state.colorDepth = .truecolor
        state.screen = (208, 52)
        state.cellPixels = (10, 20)
        for mode in [GraphicsMode.kitty, .sixel, .iterm2] {
            state.graphics = mode
            var writer = PictureWriter(mode: mode)
            var sliceStep = state, cursorStep = state
            _ = Reducer.reduce(&sliceStep, .key(.pageUp))
            _ = Reducer.reduce(&cursorStep, .key(.right))
            func send(_ shown: AppState, from: AppState?) -> (bytes: Double, ms: Double) {
                var best = Double.infinity, bytes = 0
                for _ in 0..<5 {
                    var fresh = writer
                    if let from { _ = fresh.draw(Screen.pictures(from, width: 208, height: 52), overwritten: []) }
                    let start = DispatchTime.now()
                    bytes = fresh.draw(Screen.pictures(shown, width: 208, height: 52), overwritten: []).count
                    best = min(best, seconds(since: start) * 1000)
                }
                return (Double(bytes), best)
            }
            let first = send(state, from: nil)
            _ = writer.draw(Screen.pictures(state, width: 208, height: 52), overwritten: [])
            let step = send(sliceStep, from: state), cursor = send(cursorStep, from: state)
            let picture = Screen.pictures(state, width: 208, height: 52)[0]
            results += [("\(mode.rawValue)_picture_px", Double(picture.width * picture.height)),
                        ("\(mode.rawValue)_full_frame_bytes", first.bytes), ("\(mode.rawValue)_full_frame_ms", first.ms),
                        ("\(mode.rawValue)_slice_step_bytes", step.bytes), ("\(mode.rawValue)_slice_step_ms", step.ms),
                        ("\(mode.rawValue)_cursor_step_bytes", cursor.bytes), ("\(mode.rawValue)_cursor_step_ms", cursor.ms)]
        }
        if let pgm {
            for (n, k) in [state.sliceIndex, state.sliceIndex + 1].enumerated() {
                let slice = image.slice(.axial, at: k)
                var bytes = Array("P5\n\(slice.width) \(slice.height)\n255\n".utf8)
                bytes += slice.pixels.map { WindowLevel.softTissue.gray($0) }
                try Data(bytes).write(to: URL(fileURLWithPath: pgm + "-\(n).pgm"))
            }
        }
        print("render  " + results.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: "\n        "))
    }
}
