// The start-up queries to the terminal, through `script` (a pseudo-terminal whose other end is a pipe): `termlabel
// doctor` in a terminal that answers nothing chooses half blocks and says why, in one whose answers take 0.4 s (a
// slow SSH link) it chooses the pixels they offer; the app in a terminal whose answers arrive later still does not
// take them for keys; `termlabel review` leaves what the study list did not take in to the app.

import Foundation
import XCTest

final class TerminalQueriesCLITests: XCTestCase {
    func testASilentTerminalGetsCellsAndTheReason() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script (util-linux) is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "env TERM=xterm-256color \(termlabelBinary.path) doctor", "/dev/null"]
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("\u{1b}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1b}\\\u{1b}[>q\u{1b}[16t\u{1b}[14t\u{1b}[c"), "the queries were sent: \(text)")
        XCTAssertTrue(text.contains("answers     none ("), text)
        XCTAssertTrue(text.contains("graphics    cells: the terminal answered no query"), text)
        XCTAssertTrue(text.contains("colour      256: terminfo's colour count"), text)
    }

    func testATerminalThatAnswersAfterASlowRoundTripGetsItsPixels() throws {
        // 0.4 s between the queries and the answers: an SSH link across an ocean, or a terminal on a busy machine.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script (util-linux) is not installed") }
        let (process, input, output, screen) = try runInScript("-qec", "env TERM=xterm-256color \(termlabelBinary.path) doctor")
        XCTAssertTrue(screen.wait(for: "\u{1b}[14t\u{1b}[c"), "the queries were sent: \(screen.text)")
        usleep(400_000)
        // Kitty's: graphics accepted, the cell's size in pixels, device attributes. Where the doctor gave up
        // before they came, `script` has closed its input: a failure, not a signal that ends the tests.
        signal(SIGPIPE, SIG_IGN)
        do {
            try input.fileHandleForWriting.write(contentsOf: Data("\u{1b}_Gi=31;OK\u{1b}\\\u{1b}[6;20;10t\u{1b}[?62;22c".utf8))
        } catch {
            XCTFail("the answers could not be sent (\(error)): \(screen.text)")
        }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        XCTAssertEqual(process.terminationStatus, 0, screen.text)
        XCTAssertTrue(screen.text.contains("graphics    kitty: the terminal answered the kitty graphics query"), screen.text)
    }

    func testLateAnswersAreNotTakenForKeys() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script (util-linux) is not installed") }
        let folder = try folderWithOneSample("late")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (process, input, output, screen) = try runAppInScript(folder, folder)
        XCTAssertTrue(screen.wait(for: "Studies (1)"), "the app started: \(screen.text)")
        // The answers (a kitty refusal, XTVERSION, device attributes with '?') after the app gave up waiting.
        input.fileHandleForWriting.write(Data("\u{1b}_Gi=31;ENOTSUPPORTED\u{1b}\\\u{1b}P>|XTerm(379)\u{1b}\\\u{1b}[?63;1;2;4;6c".utf8))
        // A key after them is still a key (q quits); the '?' among them must not open the help.
        input.fileHandleForWriting.write(Data("q".utf8))
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertFalse(screen.text.contains("Keys (Esc or ? closes)"), "the '?' of the late answer opened the help")
    }

    func testReviewLeavesWhatTheSyncDidNotTakeInToTheApp() throws {
        // The app lists a label the study list refused; printed before it too, the same lines were left on the
        // shell's screen under the prompt once the app had quit.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script (util-linux) is not installed") }
        let folder = try folderWithOneSample("review")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/ct_004.nii.gz", toPath: folder + "/labels/final/orphan.nii.gz")
        let (process, input, output, screen) = try runAppInScript(folder, "review \(folder)")
        let fullScreen = "\u{1b}[?1049h"
        func inTheApp() -> String { screen.text.components(separatedBy: fullScreen).dropFirst().joined() }
        let deadline = Date().addingTimeInterval(60)
        while !inTheApp().contains("orphan") && Date() < deadline { usleep(20_000) }
        input.fileHandleForWriting.write(Data("q".utf8))
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        XCTAssertEqual(process.terminationStatus, 0, screen.text)
        XCTAssertTrue(inTheApp().contains("orphan"), "the app lists it: \(screen.text)")
        let beforeTheApp = screen.text.components(separatedBy: fullScreen)[0]
        XCTAssertFalse(beforeTheApp.contains("orphan"), beforeTheApp)
    }
}

extension TerminalQueriesCLITests {
    /// A new folder in the temporary directory holding the CT sample ct_004.
    func folderWithOneSample(_ name: String) throws -> String {
        let folder = NSTemporaryDirectory() + "termlabel-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("samples/ct-abdomen/ct_004.nii.gz").path,
                                         toPath: folder + "/ct_004.nii.gz")
        return folder
    }

    /// `termlabel ARGUMENTS` in `script`'s pseudo-terminal, its data (models, settings) inside `folder`.
    func runAppInScript(_ folder: String, _ arguments: String) throws -> (Process, input: Pipe, output: Pipe, ScreenLog) {
        try runInScript("-qefc", "env TERM=xterm-256color XDG_DATA_HOME=\(folder)/data SWIFT_BACKTRACE=enable=no \(termlabelBinary.path) \(arguments)")
    }

    /// `command` in `script`'s pseudo-terminal (with `flags`), its input a pipe and what it writes collected.
    func runInScript(_ flags: String, _ command: String) throws -> (Process, input: Pipe, output: Pipe, ScreenLog) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = [flags, command, "/dev/null"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        let screen = ScreenLog()
        output.fileHandleForReading.readabilityHandler = { screen.append($0.availableData) }
        try process.run()
        return (process, input, output, screen)
    }
}

/// What a process wrote, collected as it comes.
final class ScreenLog: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ more: Data) { lock.lock(); data += more; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    func wait(for needle: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline { if text.contains(needle) { return true }; usleep(20_000) }
        return false
    }
}
