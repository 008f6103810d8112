// `termlabel doctor` in a terminal that answers nothing (a pseudo-terminal whose other end is a pipe, as under
// `script`): the queries go out, nothing comes back, and half blocks are chosen with the reason said.

import Foundation
import XCTest

final class DoctorCLITests: XCTestCase {
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
}
