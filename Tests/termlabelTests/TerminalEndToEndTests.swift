// The real binary in tmux, as a user sees it: the screen it draws (decoded from tmux's capture) is exactly what
// the renderer makes, the pixel under the cursor is the windowed intensity, a slice step changes the image,
// scribbles + segment + submit write labels/final on the image's grid, a SIGKILL mid-annotation loses nothing,
// Ctrl-Z and fg give the shell and the picture back, a crash signal restores the terminal and loses nothing, and
// quitting gives the terminal back.

import Cells
import CellsTesting
import Datastore
import Foundation
import Learning
import Render
import TUI
import Volume
import VolumeTesting
import XCTest

final class TerminalEndToEndTests: XCTestCase {
    var socket = "termlabel-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    var folder = ""
    var data = ""
    var root = ""

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
        root = NSTemporaryDirectory() + socket
        folder = root + "/studies"
        data = root + "/data"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("samples/ct-abdomen/ct_004.nii.gz").path,
                                         toPath: folder + "/ct_004.nii.gz")
    }

    override func tearDown() {
        _ = tmux(["kill-server"])
        // The app lets go of its study as it ends (SIGHUP): wait for it, or it writes into the folder being removed.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && runningCommandLines().contains(where: { $0.contains(root) }) { usleep(50_000) }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Command lines of the processes running now.
    func runningCommandLines() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }.compactMap { pid in
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Ends the tmux server and moves to a new socket: a server being killed may still answer on the old one.
    func restartServer() {
        tmux(["kill-server"])
        socket += "-next"
    }

    /// Runs tmux and waits for it with posix_spawn/waitpid: the server that new-session leaves behind must not
    /// hold the test's pipes, and Foundation's Process does not always reap the client here.
    @discardableResult
    func tmux(_ arguments: [String]) -> String {
        let output = root + "/tmux.out"
        let argv = ["/usr/bin/tmux", "-L", socket, "-f", "/dev/null"] + arguments
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        guard posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ) == 0 else { return "" }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// Starts the app in a 200×60 pane; `inShell` keeps a job-control shell around it so that the terminal can be
    /// inspected after it stops or ends ("termlabel-exit-STATUS"; Enter resumes a stopped app with fg).
    func start(inShell: Bool = false, verb: String = "") {
        // No Swift crash report here: it takes long to write and may wait for a key.
        var command = "env TERM=xterm-256color COLORTERM=truecolor LANG=C.UTF-8 XDG_DATA_HOME=\(data) USER=e2e SWIFT_BACKTRACE=enable=no TERMLABEL_MODELS= "
            + "\(termlabelBinary.path) \(verb) \(folder)"
        if inShell {
            command = "bash --norc -c 'set -m; \(command); s=$?; echo termlabel-exit-$s; "
                + "while [ $s = 148 ]; do read; fg; s=$?; echo termlabel-exit-$s; done; sleep 60'"
        }
        tmux(["new-session", "-d", "-s", "t", "-x", "200", "-y", "60", command])
        tmux(["set-option", "-t", "t", "remain-on-exit", "on"])
        tmux(["set", "-sg", "escape-time", "0"])
    }

    func send(_ keys: String...) { tmux(["send-keys", "-t", "t"] + keys) }

    /// Polls the screen until `text` shows (no fixed sleeps).
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 30) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = tmux(["capture-pane", "-p", "-t", "t"])
            if screen.contains(text) { return screen }
            usleep(50_000)
        }
        // XCTest drops or cuts long failure messages, so the screen goes to the log on its own.
        print("the screen while waiting for \"\(text)\":\n\(screen)")
        XCTFail("\"\(text)\" never showed (the screen is printed above)")
        return screen
    }

    /// The screen with colours, decoded into cells.
    func captureCells() -> CellBuffer {
        ScreenDecoder.capture(tmux(["capture-pane", "-p", "-e", "-N", "-t", "t"]), width: 200, height: 60)
    }

    /// `termlabel doctor --keys` in tmux: the report (cells, since tmux shows no pixels), then each key and mouse
    /// press as the app receives it and what it runs.
    func testDoctorShowsWhatEachKeyDoes() {
        tmux(["new-session", "-d", "-s", "t", "-x", "120", "-y", "30",
              "env TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=\(data) \(termlabelBinary.path) doctor --keys; sleep 30"])
        tmux(["set", "-sg", "escape-time", "0"])
        waitFor("Press keys (q ends)")
        send("j")
        send("C-r")
        send("PageDown")
        tmux(["send-keys", "-t", "t", "-l", "\u{1b}[<0;20;6M"])
        let screen = waitFor("mouse left pressed at column 20, row 6")
        XCTAssertTrue(screen.contains("j → cursor-down"), screen)
        XCTAssertTrue(screen.contains("Ctrl-R → redo"), screen)
        XCTAssertTrue(screen.contains("PgDn → previous-slice"), screen)
        send("q")
        let report = waitFor("graphics    cells:")
        XCTAssertTrue(report.contains("inside tmux"), report)
    }

    /// Training runs in the background while the annotator keeps stepping through slices: every step shows on
    /// screen promptly, and the progress line moves on. A small network on a patch large enough that the run lasts
    /// past the slice steps (the arithmetic is optimised in debug builds too).
    func testWhileAModelTrainsSlicesStillStep() throws {
        let samples = CLITests.repository.appendingPathComponent("samples/ct-abdomen")
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        for file in ["ct_001.nii.gz", "labels/final/ct_001.nii.gz", "labels.json"] {
            try FileManager.default.copyItem(atPath: samples.appendingPathComponent(file).path, toPath: folder + "/" + file)
        }
        try saveSmallPlan(AppDatabase(folder: folder), ctSampleFingerprint, patch: [96, 96, 32])
        start()
        waitFor("Studies (2)")
        send("j")
        send("Enter")
        waitFor("ct_004 │ axial 29/56")
        send("t")
        waitFor("training deepedit in the background")
        let before = waitFor("⚙ deepedit epoch", timeout: 120)
        var slowest = 0.0
        for n in 0..<12 {
            let started = Date()
            send(".")
            waitFor("axial \(30 + n)/56", timeout: 30)
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        let progress = { (screen: String) in screen.split(separator: "\n").first { $0.contains("⚙ deepedit epoch") }.map(String.init) ?? "" }
        // Training goes on: the progress line moves (a debug build takes seconds a step).
        var after = tmux(["capture-pane", "-p", "-t", "t"])
        let deadline = Date().addingTimeInterval(60)
        while progress(after) == progress(before) && Date() < deadline {
            usleep(200_000)
            after = tmux(["capture-pane", "-p", "-t", "t"])
        }
        if !after.contains("⚙ deepedit epoch") { print("the screen after the slice steps:\n\(after)") }
        XCTAssertTrue(after.contains("⚙ deepedit epoch"), "still training (the screen is printed above)")
        XCTAssertNotEqual(progress(after), progress(before), "training moved on")
        print(String(format: "slowest of 12 slice steps while training: %.3f s", slowest))
        send("t")
        // "training stops after this step" may show for less than a frame when the step ends at once; the run's own
        // last word is what stays.
        let stopped = waitFor("training stopped: deepedit", timeout: 90)
        XCTAssertFalse(stopped.contains("⚙ deepedit epoch"), "the progress line is gone once the run stops")
        send("q")
        // Gone, training thread and all, before the next test starts.
        let quitBy = Date().addingTimeInterval(20)
        while tmux(["list-panes", "-t", "t", "-F", "#{pane_dead}"]).trimmingCharacters(in: .whitespacesAndNewlines) != "1" && Date() < quitBy {
            usleep(100_000)
        }
        XCTAssertEqual(tmux(["list-panes", "-t", "t", "-F", "#{pane_dead}"]).trimmingCharacters(in: .whitespacesAndNewlines), "1", "q ends the app while it trains")
    }

    func testViewStepAnnotateSubmitCrashRestoreAndQuit() throws {
        start()
        waitFor("Studies (1)")
        send("Enter")
        waitFor("ct_004 │ axial 29/56")

        // What the renderer makes for this state, cell for cell, in the slice view.
        let image = try Volume(contentsOf: folder + "/ct_004.nii.gz")
        var state = AppState(folder: folder, studies: [StudyEntry(id: "ct_004", status: "in progress")])
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "ct_004", image: image, draft: Draft(labels: LabelVolume(grid: image.grid)), isCT: true)))
        let expected = Screen.render(state, width: 200, height: 60)
        let shown = captureCells()
        let view = Screen.views(state, width: 200, height: 60)[0].0.inset(by: 1)
        var mismatches = 0
        for y in view.y..<view.maxY { for x in view.x..<view.maxX where shown[x, y] != expected[x, y] { mismatches += 1 } }
        XCTAssertEqual(mismatches, 0, "cells of the slice view that differ from the renderer's")
        // Independently: the voxel under the cursor, windowed, is what its cell shows.
        let geometry = PlaneGeometry(grid: image.grid, plane: .axial)
        let mapping = SliceMapping(slice: geometry, width: view.width, height: view.height * 2, viewport: Viewport())
        let p = geometry.position(of: state.cursor)
        let pixel = mapping.screenPixel(column: p.column, row: p.row)
        let cell = shown[view.x + pixel.x, view.y + pixel.y / 2]
        let gray = RGB(gray: WindowLevel.softTissue.gray(image[state.cursor]))
        let color = pixel.y % 2 == 0 ? (cell.symbol == "▀" ? cell.style.foreground : cell.style.background) : cell.style.background
        XCTAssertEqual(color, .rgb(gray))

        // A slice step changes the image.
        send("PageUp")
        waitFor("axial 30/56")
        let stepped = captureCells()
        var changed = 0
        for y in view.y..<view.maxY { for x in view.x..<view.maxX where stepped[x, y] != shown[x, y] { changed += 1 } }
        XCTAssertGreaterThan(changed, 100)

        // Scribbles inside and around, segment, submit.
        send("f", "l", "l", "l", "j", "j", "f", "b")
        for _ in 0..<4 { send("K") }
        send("b", "r")
        waitFor("segmented in", timeout: 120)
        send("S")
        waitFor("submitted as final version 1")
        let label = try NiftiFile.open(folder + "/labels/final/ct_004.nii.gz")
        XCTAssertEqual(label.grid.affine, image.grid.affine)
        XCTAssertGreaterThan(try label.readLabels().count(of: 1), 100)

        // Paint, then SIGKILL: reopening restores the draft.
        send("d", "l", "l", "l", "l", "d", "}")
        waitFor("│ 2 label 2 │")   // every key before it has been handled
        let pid = Int32(tmux(["display-message", "-p", "-t", "t", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines))!
        kill(pid, SIGKILL)
        restartServer()
        let database = try AppDatabase(folder: folder)
        let journaled = try XCTUnwrap(database.draft("ct_004", user: "e2e"))
        XCTAssertEqual(journaled.baseVersion, 1)
        XCTAssertGreaterThanOrEqual(journaled.edits.count, 5)
        start(inShell: true)
        waitFor("Studies (1)")
        send("Enter")
        waitFor("restored your unsaved draft (\(journaled.edits.count) edits)")

        // While running, the app has the alternate screen, hides the cursor and reports the mouse.
        XCTAssertEqual(tmux(["display-message", "-p", "-t", "t", "#{alternate_on} #{cursor_flag} #{mouse_button_flag}"])
            .trimmingCharacters(in: .whitespacesAndNewlines), "1 0 1")
        // A label named in the app is kept with the draft.
        send("}", "N", "a", "o", "r", "t", "a", "Enter")
        waitFor("│ 2 aorta │")

        // Ctrl-Z gives the shell back; fg brings the same picture back, drawn whole.
        let before = captureCells()
        send("C-z")
        waitFor("termlabel-exit-148")
        XCTAssertEqual(modes(), "0 1 0 0", "suspended: normal screen, cursor shown, no mouse reporting")
        send("Enter")
        waitFor("│ 2 aorta │")
        XCTAssertEqual(modes(), "1 0 1 1")
        let after = captureCells().lines
        XCTAssertTrue(after == before.lines, "the screen after fg is the screen before Ctrl-Z; rows that differ:\n"
                      + zip(before.lines, after).filter { $0 != $1 }.map { "before: \($0)\nafter:  \($1)" }.joined(separator: "\n"))

        // A crash signal still gives the terminal back, and the draft (names included) survives it.
        let shell = tmux(["display-message", "-p", "-t", "t", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        let app = try XCTUnwrap(children.split(separator: " ").compactMap { Int32($0) }.first)
        kill(app, SIGSEGV)
        waitFor("termlabel-exit-139")
        XCTAssertEqual(modes(), "0 1 0 0", "after a crash: normal screen, cursor shown, no mouse reporting")
        restartServer()
        start(inShell: true)
        waitFor("Studies (1)")
        send("Enter")
        waitFor("restored your unsaved draft")
        send("}")
        waitFor("│ 2 aorta │")

        // Quit: the terminal is given back (normal screen, cursor shown, no mouse reporting).
        send("q")
        waitFor("termlabel-exit-0")
        XCTAssertEqual(modes(), "0 1 0 0")
    }

    /// A new user's first try of the classical tool: one positive click in the middle of the liver and `r`. The
    /// answer is the liver (against the ground truth `samples --all-labeled` writes), not a dot around the click.
    func testOneClickOnTheLiverAndRGiveTheLiver() throws {
        let image = try Volume(contentsOf: folder + "/ct_004.nii.gz")
        let truth = try XCTUnwrap(SampleSets.cases.first { $0.id == "ct_004" }).make().labels
        XCTAssertEqual(truth.grid.shape, image.grid.shape)
        var state = AppState(folder: folder, studies: [StudyEntry(id: "ct_004", status: "unlabeled")])
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "ct_004", image: image, draft: Draft(labels: LabelVolume(grid: image.grid)), isCT: true)))
        let geometry = PlaneGeometry(grid: image.grid, plane: .axial)
        let from = geometry.position(of: state.cursor)
        // The liver's deepest point on the slice in view (in-plane city-block distance to its edge).
        var depth = [[Int]](repeating: [Int](repeating: 0, count: geometry.height), count: geometry.width)
        for column in 0..<geometry.width { for row in 0..<geometry.height
            where truth[geometry.voxel(column: column, row: row, slice: from.slice)] == 1 { depth[column][row] = 1 << 20 } }
        for pass in 0..<2 {
            let columns = pass == 0 ? Array(0..<geometry.width) : Array((0..<geometry.width).reversed())
            let rows = pass == 0 ? Array(0..<geometry.height) : Array((0..<geometry.height).reversed())
            let step = pass == 0 ? -1 : 1
            for c in columns { for r in rows where depth[c][r] > 0 {
                let a = c + step >= 0 && c + step < geometry.width ? depth[c + step][r] : 0
                let b = r + step >= 0 && r + step < geometry.height ? depth[c][r + step] : 0
                depth[c][r] = min(depth[c][r], a + 1, b + 1)
            } }
        }
        var target = (column: 0, row: 0, depth: 0)
        for c in 0..<geometry.width { for r in 0..<geometry.height where depth[c][r] > target.depth { target = (c, r, depth[c][r]) } }
        XCTAssertGreaterThan(target.depth, 5, "the liver is on the slice in view")

        start()
        waitFor("Studies (1)")
        send("Enter")
        waitFor("ct_004 │ axial 29/56")
        let dx = target.column - from.column, dy = target.row - from.row
        send("l", "h")   // into the view: in the study list, up and down pick a study
        tmux(["send-keys", "-t", "t"] + Array(repeating: dx > 0 ? "l" : "h", count: abs(dx)) + Array(repeating: dy > 0 ? "j" : "k", count: abs(dy)))
        let voxel = geometry.voxel(column: target.column, row: target.row, slice: from.slice)
        waitFor("voxel \(voxel.i),\(voxel.j),\(voxel.k) │")
        send("Space", "r")
        // A debug build on a busy machine: the cut may take a while.
        waitFor("segmented in", timeout: 120)
        send("S")
        waitFor("submitted as final version 1")
        let label = try LabelVolume(contentsOf: folder + "/labels/final/ct_004.nii.gz")
        let liver = LabelVolume(grid: truth.grid, voxels: truth.voxels.map { $0 == 1 ? 1 : 0 })
        let dice = label.dice(with: liver, label: 1)
        XCTAssertGreaterThanOrEqual(dice, 0.7, "one click and r: \(label.count(of: 1)) voxels for the liver's \(liver.count(of: 1))")
        send("q")
    }

    /// Alternate screen, cursor shown, any mouse reporting, button mouse reporting (1 = on).
    func modes() -> String {
        tmux(["display-message", "-p", "-t", "t", "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_button_flag}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
