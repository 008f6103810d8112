// `termlabel serve` as a user starts it: the URL to give a Slicer user, one log line per request, the app's claim
// seen by the server across processes, a port already taken named, and Ctrl-C ending it cleanly.

import Datastore
import Foundation
import ServerTesting
import Volume
import VolumeTesting
import XCTest

final class ServeCLITests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "termlabel-serve-cli-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let phantom = AbdomenPhantom.make(seed: 77, shape: [32, 32, 12], spacing: [9, 0, 14])
        for id in ["case_a", "case_b"] { try phantom.image.write(to: folder + "/\(id).nii.gz") }
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: folder) }

    /// Reads the child's standard output line by line until `predicate` holds for one (or it ends).
    func readLine(_ handle: FileHandle, until predicate: (String) -> Bool) -> [String] {
        var lines: [String] = []
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return lines }
            pending += chunk
            while let newline = pending.firstIndex(of: 0x0a) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending = Data(pending[(newline + 1)...])
                lines.append(line)
                if predicate(line) { return lines }
            }
        }
    }

    func testServeGivesTheURLLogsRequestsSeesTheAppsClaimAndStopsOnCtrlC() throws {
        let process = Process()
        process.executableURL = termlabelBinary
        process.arguments = ["serve", folder, "--port", "0"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let banner = readLine(out.fileHandleForReading) { $0.contains("http://") }
        let url = try XCTUnwrap(banner.last?.components(separatedBy: "http://").last, banner.joined(separator: "\n"))
        XCTAssertTrue(banner.first?.hasPrefix("Serving \(folder) (2 studies)") == true, banner.joined(separator: "\n"))
        let port = try XCTUnwrap(Int(url.components(separatedBy: ":").last ?? ""), url)
        XCTAssertTrue(url.hasPrefix("127.0.0.1:"), "loopback unless --host says otherwise: \(url)")
        let client = LoopbackClient(port: port)

        XCTAssertEqual(try client.get("/info/").status, 200)
        let logged = readLine(out.fileHandleForReading) { $0.contains("GET /info/") }
        XCTAssertTrue(logged.last?.contains("127.0.0.1 - GET /info/ 200") == true, logged.joined(separator: "\n"))

        // An annotator opens case_a in the app in another process: the server will not overwrite it.
        let database = try AppDatabase(folder: folder)
        try database.claim("case_a", by: Annotator(user: "alice", host: ProcessInfo.processInfo.hostName, pid: getpid()))
        let label = folder + "/label.nii.gz"
        try LabelVolume(grid: try NiftiFile.open(folder + "/case_a.nii.gz").grid).write(to: label)
        let refused = try client.multipart(method: "PUT", "/datastore/label?image=case_a",
                                           files: [("label", "l.nii.gz", try Data(contentsOf: URL(fileURLWithPath: label)))])
        XCTAssertEqual(refused.status, 409)
        XCTAssertTrue(refused.detail.contains("alice@"), refused.detail)
        XCTAssertEqual(try database.labelVersions("case_a").count, 0)

        // A second server on the same port is refused with the reason.
        let second = try runTermlabel(["serve", folder, "--port", String(port)])
        XCTAssertEqual(second.status, 64)
        XCTAssertTrue(second.err.contains("cannot listen on 127.0.0.1:\(port)"), second.err)

        kill(process.processIdentifier, SIGINT)
        let rest = readLine(out.fileHandleForReading) { $0 == "stopped" }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        XCTAssertEqual(rest.last, "stopped")
    }
}
