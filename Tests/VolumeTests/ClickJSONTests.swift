// MONAI Label's click JSON, read and written by one codec.

import Foundation
import Volume
import XCTest

final class ClickJSONTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "termlabel-clicks-\(getpid())-\(name.filter(\.isLetter))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: folder) }

    func write(_ json: String, _ name: String) throws -> String {
        try Data(json.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        return folder + "/" + name
    }

    func testDeepGrowClicksKeepTheirOrder() throws {
        let clicks = try ClickJSON.read(try write(#"{"background": [[4, 5, 6], [7, 8, 9]], "foreground": [[1, 2, 3], [1, 2, 4]]}"#, "grow.json"))
        XCTAssertEqual(clicks, [Click(VoxelIndex(1, 2, 3), label: 1, positive: true), Click(VoxelIndex(1, 2, 4), label: 1, positive: true),
                                Click(VoxelIndex(4, 5, 6), label: 0, positive: false), Click(VoxelIndex(7, 8, 9), label: 0, positive: false)])
    }

    func testDeepEditClicksByLabelNameAndBack() throws {
        let names: [String: UInt16] = ["liver": 1, "spleen": 2]
        let clicks = try ClickJSON.read(try write(#"{"spleen": [[9, 9, 9]], "liver": [[1, 1, 1]], "background": [[0, 0, 0]]}"#, "edit.json"),
                                        labels: names)
        XCTAssertEqual(clicks, [Click(VoxelIndex(1, 1, 1), label: 1, positive: true), Click(VoxelIndex(9, 9, 9), label: 2, positive: true),
                                Click(VoxelIndex(0, 0, 0), label: 0, positive: false)])
        let written = try ClickJSON.encode(clicks, names: [1: "liver", 2: "spleen"])
        XCTAssertEqual(String(decoding: written, as: UTF8.self), #"{"background":[[0,0,0]],"liver":[[1,1,1]],"spleen":[[9,9,9]]}"#)
        XCTAssertEqual(try ClickJSON.read(try write(String(decoding: written, as: UTF8.self), "again.json"), labels: names), clicks)
    }

    func testBadFilesAreNamedWithTheProblem() throws {
        let short = try write(#"{"foreground": [[1, 2]]}"#, "short.json")
        XCTAssertThrowsError(try ClickJSON.read(short)) {
            XCTAssertEqual("\($0)", "\(short): a click needs three voxel indices, got [1,2]")
        }
        let unknown = try write(#"{"kidney": [[1, 2, 3]]}"#, "unknown.json")
        XCTAssertThrowsError(try ClickJSON.read(unknown, labels: ["liver": 1])) {
            XCTAssertEqual("\($0)", "\(unknown): \"kidney\" is not a label (liver, background)")
        }
        let text = try write("clicks", "text.json")
        XCTAssertThrowsError(try ClickJSON.read(text)) { XCTAssertTrue("\($0)".hasPrefix("\(text): not click JSON"), "\($0)") }
        XCTAssertThrowsError(try ClickJSON.read(folder + "/missing.json")) { XCTAssertEqual($0 as? VolumeError, .fileNotFound(path: folder + "/missing.json")) }
        XCTAssertThrowsError(try ClickJSON.readPoints(try write(#"[[1, 2, 3], [4, 5]]"#, "lasso.json"))) {
            XCTAssertTrue("\($0)".contains("three voxel indices, got [4,5]"), "\($0)")
        }
    }
}
