// The termlabel binary as a user runs it: output, JSON, errors and exit codes.

import Foundation
import XCTest

final class CLITests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let conformance = repository.deletingLastPathComponent().appendingPathComponent("shared/data/nifti").path

    /// The built binary sits in the build folder with the test bundle.
    var binary: URL {
        let bundle = Bundle(for: CLITests.self).bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("termlabel") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
    }

    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    func testHelpListsTheVerbs() throws {
        let result = try run(["--help"])
        XCTAssertEqual(result.status, 0)
        for verb in ["info", "samples", "bench"] { XCTAssertTrue(result.out.contains(verb), verb) }
    }

    func testInfoJSONOnePerFileAndErrorsOnePerLine() throws {
        guard FileManager.default.fileExists(atPath: Self.conformance) else { throw XCTSkip("no shared conformance set") }
        let files = ["u16_qform_only.nii.gz", "example4d.nii.gz", "broken_truncated.nii", "f32_pas.nii.gz", "broken_text.nii"]
            .map { Self.conformance + "/" + $0 }
        let result = try run(["info", "--json"] + files)
        XCTAssertNotEqual(result.status, 0, "two files failed")
        let lines = result.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let errors = result.err.split(separator: "\n")
        XCTAssertEqual(errors.count, 2)
        XCTAssertTrue(errors[0].contains("broken_truncated.nii") && errors[0].contains("truncated"))
        XCTAssertTrue(errors[1].contains("broken_text.nii"))

        let json = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(json[0]["shape"] as? [Int], [30, 36, 18])
        XCTAssertEqual(json[0]["datatype"] as? String, "uint16")
        XCTAssertEqual(json[0]["axcodes"] as? [String], ["R", "A", "S"])
        XCTAssertEqual(json[1]["shape"] as? [Int], [128, 96, 24, 2])
        XCTAssertEqual(json[2]["axcodes"] as? [String], ["P", "S", "R"])
        let affine = try XCTUnwrap(json[2]["affine"] as? [[Double]])
        XCTAssertEqual(affine, [[0, 0, 1.5, 0], [-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
        for key in ["path", "spacing", "min", "max", "mean", "p01", "p99"] { XCTAssertNotNil(json[0][key], key) }
        XCTAssertEqual(json[0]["max"] as? Double, 524)
    }

    func testInfoTextOnASample() throws {
        let result = try run(["info", Self.repository.appendingPathComponent("samples/ct-abdomen/ct_002.nii.gz").path])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.contains("shape       160 × 160 × 56"), result.out)
        XCTAssertTrue(result.out.contains("axcodes     LPS"), result.out)
    }

    func testMissingFileExitsNonZeroWithOneLine() throws {
        let result = try run(["info", "/no/such/file.nii.gz"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.err, "termlabel: /no/such/file.nii.gz: no such file\n")
    }
}
