// The binary in a real terminal that shows pixels: Debian's xterm in VT340 mode (sixel) under Xvfb. The app must
// find sixel by asking the terminal, and the screenshot of its view must be the slice at the screen's resolution
// (window/level applied), rendered here independently; a PgDn must change it.

import Cells
import Datastore
import Foundation
import TUI
import Volume
import XCTest

final class PixelTerminalTests: XCTestCase {
    let display = ":\(40 + Int(getpid()) % 50)"
    var processes: [Process] = []
    var folder = ""
    let screenSize = (width: 1280, height: 800)

    override func setUpWithError() throws {
        for tool in ["/usr/bin/Xvfb", "/usr/bin/xterm", "/usr/bin/import", "/usr/bin/xdotool"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed (xvfb xterm imagemagick xdotool)")
        }
        folder = NSTemporaryDirectory() + "termlabel-xterm-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("samples/ct-abdomen/ct_004.nii.gz").path,
                                         toPath: folder + "/ct_004.nii.gz")
    }

    override func tearDown() {
        for process in processes.reversed() where process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: folder)
    }

    @discardableResult
    func launch(_ path: String, _ arguments: [String], wait: Bool = false, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["DISPLAY": display]) { old, _ in old }) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if wait { process.waitUntilExit() } else { processes.append(process) }
        return process
    }

    /// The whole X screen as RGB bytes.
    func screenshot() throws -> [UInt8] {
        let file = folder + "/shot.rgb"
        try launch("/usr/bin/import", ["-display", display, "-window", "root", "-depth", "8", "rgb:" + file], wait: true)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    /// Polls the screen until `condition` holds on it and two screenshots in a row agree (a picture is drawn
    /// band by band).
    func waitForScreen(timeout: Double = 60, _ condition: ([UInt8]) -> Bool) throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        var shot: [UInt8] = [], previous: [UInt8] = []
        while Date() < deadline {
            shot = try screenshot()
            if shot.count == screenSize.width * screenSize.height * 3 && condition(shot) && shot == previous { return shot }
            previous = shot
            usleep(300_000)
        }
        XCTFail("the screen never showed what was waited for")
        return shot
    }

    func startX() throws {
        try launch("/usr/bin/Xvfb", [display, "-screen", "0", "\(screenSize.width)x\(screenSize.height)x24", "-nolisten", "tcp"])
        let socket = "/tmp/.X11-unix/X" + display.dropFirst()
        let up = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: socket) && Date() < up { usleep(100_000) }
    }

    /// What the terminal runs: `termlabel doctor` (its report kept for the test), then the app on the folder.
    var command: String {
        "\(termlabelBinary.path) doctor > \(folder)/doctor.txt; exec env TERM=xterm-256color LANG=C.UTF-8 XDG_DATA_HOME=\(folder)/data "
            + "SWIFT_BACKTRACE=enable=no \(termlabelBinary.path) \(folder) --color truecolor"
    }

    func testXtermShowsTheSliceAtFullResolutionWithSixel() throws {
        try startX()
        // Debian's xterm lists sixel in its device attributes in VT340 mode; its border is 2 pixels.
        try launch("/usr/bin/xterm", ["-ti", "vt340", "-xrm", "XTerm*numColorRegisters: 256", "-geometry", "160x50+0+0", "-e", "sh", "-c", command])
        try checkTheViewShowsTheSlice(graphics: "sixel", border: 2)
    }

    func testKittyShowsTheSliceAtFullResolution() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/kitty") else { throw XCTSkip("kitty is not installed") }
        try startX()
        // Software OpenGL under Xvfb; no padding, so the cells start at the window's corner.
        try launch("/usr/bin/kitty", ["--config", "NONE", "-o", "font_size=10", "-o", "window_padding_width=0", "-o", "initial_window_width=1100",
                                      "-o", "initial_window_height=700", "-o", "remember_window_size=no", "sh", "-c", command],
                   environment: ["LIBGL_ALWAYS_SOFTWARE": "1"])
        try checkTheViewShowsTheSlice(graphics: "kitty", border: 0)
    }

    /// The doctor's report says `graphics`; the app's view shows the middle slice, then after PgDn the one before.
    func checkTheViewShowsTheSlice(graphics: String, border: Int) throws {
        let deadline = Date().addingTimeInterval(60)
        var report = ""
        while !report.contains("graphics") && Date() < deadline {
            usleep(100_000)
            report = (try? String(contentsOfFile: folder + "/doctor.txt", encoding: .utf8)) ?? ""
        }
        XCTAssertTrue(report.contains("graphics    \(graphics):"), report)
        // "size        160×50 cells, 964×654 pixels, cell 6×13 pixels"
        let numbers = report.split(separator: "\n").first { $0.hasPrefix("size") }.map {
            $0.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        } ?? []
        guard numbers.count >= 6 else { return XCTFail("no size in the doctor's report: \(report)") }
        let (columns, rows, cell) = (numbers[0], numbers[1], (width: numbers[4], height: numbers[5]))

        // Where the view's image lies: the app's layout for this screen (what is tested is what is in it).
        var state = AppState(folder: folder, studies: [])
        let image = try Volume(contentsOf: folder + "/ct_004.nii.gz")
        state.open = OpenStudy(id: "ct_004", image: image, draft: Draft(labels: LabelVolume(grid: image.grid)), isCT: true)
        state.screen = (columns, rows)
        let inner = Screen.views(state, width: columns, height: rows)[0].0.inset(by: 1)
        let view = (x: border + inner.x * cell.width, y: border + inner.y * cell.height,
                    width: inner.width * cell.width, height: inner.height * cell.height)
        /// The mean of the view's pixels (every fourth): the hint text alone is far below 20.
        func brightness(_ shot: [UInt8]) -> Double {
            var (sum, count) = (0.0, 0.0)
            for y in stride(from: view.y, to: view.y + view.height, by: 4) {
                for x in stride(from: view.x, to: view.x + view.width, by: 4) { (sum, count) = (sum + Double(shot[(y * screenSize.width + x) * 3]), count + 1) }
            }
            return sum / count
        }
        // The study list is up when its title's white pixels are; then Enter opens the study and the slice appears.
        _ = try waitForScreen { shot in (0..<(14 * screenSize.width)).contains { shot[$0 * 3] > 200 } }
        try launch("/usr/bin/xdotool", ["mousemove", "400", "300", "key", "Return"], wait: true)
        // A terminal may show a picture in steps (xterm draws a sixel image band by band): the screen is read until
        // it shows the slice or a minute has passed.
        let middle = image.grid.shape[2] / 2
        let expected = expectedView(image, slice: middle, width: view.width, height: view.height)
        let opened = try waitForScreen { brightness($0) > 20 && self.correlation($0, view: view, expected: expected) >= 0.95 }
        let first = correlation(opened, view: view, expected: expected)
        XCTAssertGreaterThanOrEqual(first, 0.95, "the view shows the slice pixel for pixel")

        try launch("/usr/bin/xdotool", ["key", "Next"], wait: true)
        let expectedNext = expectedView(image, slice: middle - 1, width: view.width, height: view.height)
        let stepped = try waitForScreen { shot in
            self.differing(shot, opened, view: view) > 1000 && self.correlation(shot, view: view, expected: expectedNext) >= 0.95
        }
        XCTAssertGreaterThan(differing(stepped, opened, view: view), 1000, "PgDn changed the picture")
        let next = correlation(stepped, view: view, expected: expectedNext)
        XCTAssertGreaterThanOrEqual(next, 0.95, "the view shows the next slice")
        print(String(format: "\(graphics) view %d×%d px: correlation %.3f, after PgDn %.3f", view.width, view.height, first, next))
    }

    /// The axial slice (as the volume library cuts it, radiological orientation) fitted by its physical size into
    /// the view, centred, nearest pixel, soft-tissue window (W 400 / L 40); -1 outside the slice.
    func expectedView(_ image: Volume, slice k: Int, width: Int, height: Int) -> [Double] {
        let slice = image.slice(.axial, at: k)
        let (nx, ny) = (slice.width, slice.height)
        let (sx, sy) = (slice.geometry.pixelWidthMM, slice.geometry.pixelHeightMM)
        let mmPerPixel = max(Double(nx) * sx / Double(width), Double(ny) * sy / Double(height))
        var out = [Double](repeating: -1, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(nx) / 2 + (Double(x) + 0.5 - Double(width) / 2) * mmPerPixel / sx
                let v = Double(ny) / 2 + (Double(y) + 0.5 - Double(height) / 2) * mmPerPixel / sy
                guard u >= 0, v >= 0, Int(u) < nx, Int(v) < ny else { continue }
                let value = Double(slice.pixels[Int(v) * nx + Int(u)])
                out[y * width + x] = min(max((value - (40 - 200)) / 400, 0), 1) * 255
            }
        }
        return out
    }

    /// Pearson correlation of the screen's grey with `expected` over the slice's pixels, at the best shift of up to
    /// two pixels (the terminal's border).
    func correlation(_ shot: [UInt8], view: (x: Int, y: Int, width: Int, height: Int), expected: [Double]) -> Double {
        var best = -1.0
        for dy in -2...2 {
            for dx in -2...2 {
                var (sa, sb, saa, sbb, sab, n) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                for y in 0..<view.height {
                    for x in 0..<view.width where expected[y * view.width + x] >= 0 {
                        let sx = view.x + x + dx, sy = view.y + y + dy
                        guard sx >= 0, sy >= 0, sx < screenSize.width, sy < screenSize.height else { continue }
                        let a = Double(shot[(sy * screenSize.width + sx) * 3 + 2]), b = expected[y * view.width + x]
                        (sa, sb, saa, sbb, sab, n) = (sa + a, sb + b, saa + a * a, sbb + b * b, sab + a * b, n + 1)
                    }
                }
                let cov = sab / n - sa / n * sb / n
                let r = cov / ((saa / n - sa * sa / n / n).squareRoot() * (sbb / n - sb * sb / n / n).squareRoot())
                best = max(best, r)
            }
        }
        return best
    }

    func differing(_ a: [UInt8], _ b: [UInt8], view: (x: Int, y: Int, width: Int, height: Int)) -> Int {
        var count = 0
        for y in view.y..<(view.y + view.height) {
            for x in view.x..<(view.x + view.width) where a[(y * screenSize.width + x) * 3] != b[(y * screenSize.width + x) * 3] { count += 1 }
        }
        return count
    }
}
