// Folders that once broke the study list for everyone in them: a file with an impossible header, a FIFO, links
// that leave the folder, names with control characters, a tag that climbs out. Each is skipped or refused, named
// in one line, and the good studies beside it are imported.

import Datastore
import Foundation
import Volume
import XCTest

final class HostileFolderTests: XCTestCase {
    func testBadEntriesAreSkippedAndNamedWhileTheGoodOnesAreImported() throws {
        let fixture = try StudyFolderFixture(count: 2, labeled: 0)
        let outside = NSTemporaryDirectory() + "termlabel-outside-\(getpid())"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try fixture.images["case_00"]!.write(to: outside + "/elsewhere.nii.gz")
        // pixdim[1] = inf in a copy of a good file.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path + "/case_01.nii.gz"))
        try fixture.images["case_01"]!.write(to: fixture.path + "/plain.nii")
        bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path + "/plain.nii"))
        withUnsafeBytes(of: Float.infinity.bitPattern.littleEndian) { bytes.replaceSubrange(80..<84, with: $0) }
        try bytes.write(to: URL(fileURLWithPath: fixture.path + "/infinite.nii"))
        try FileManager.default.removeItem(atPath: fixture.path + "/plain.nii")
        XCTAssertEqual(mkfifo(fixture.path + "/pipe.nii", 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/linked.nii.gz", withDestinationPath: outside + "/elsewhere.nii.gz")
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/inside.nii.gz", withDestinationPath: fixture.path + "/case_00.nii.gz")
        try fixture.images["case_00"]!.write(to: fixture.path + "/bell\u{7}.nii.gz")
        try LabelVolume(grid: fixture.images["case_00"]!.grid).write(to: outside + "/label.nii.gz")
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/labels/final/case_00.nii.gz", withDestinationPath: outside + "/label.nii.gz")

        let database = try AppDatabase(folder: fixture.path)
        let report = try database.sync()
        XCTAssertEqual(report.added.sorted(), ["case_00", "case_01", "inside"], "a link inside the folder is read through")
        XCTAssertTrue(report.labelVersions.isEmpty, "the label that links outside is not registered")
        let problems = report.problems.joined(separator: "\n")
        for words in ["infinite.nii: ", "pixdim[1] = inf", "pipe.nii: not a regular file", "linked.nii.gz: a link to ",
                      "bell\\u{7}.nii.gz: its name has control characters", "labels/final/case_00.nii.gz: a link to "] {
            XCTAssertTrue(problems.contains(words), "\(words) in:\n\(problems)")
        }
        XCTAssertFalse(problems.unicodeScalars.contains("\u{7}"), "the bell is written out, not rung")
        XCTAssertThrowsError(try Volume(contentsOf: fixture.path + "/pipe.nii")) { error in
            XCTAssertEqual(error as? VolumeError, .unreadable(path: fixture.path + "/pipe.nii", reason: "not a regular file"))
        }
    }

    /// A label resampled elsewhere onto another grid than its image's would stop training ("grid mismatch" on a file
    /// in the history) and make an export that nnU-Net refuses: the study list names it when it is found and does
    /// not register it; the label beside it on the right grid is registered.
    func testALabelOnAnotherGridThanItsImageIsNamedAndNotRegistered() throws {
        let fixture = try StudyFolderFixture(count: 3, labeled: 3)
        let grid = fixture.images["case_00"]!.grid
        XCTAssertEqual(grid.shape, [24, 24, 8])
        let cropped = Grid(shape: [24, 24, 7], affine: grid.affine)
        try LabelVolume(grid: cropped).write(to: fixture.path + "/labels/final/case_00.nii.gz")
        let finer = Grid(shape: grid.shape, affine: fixture.images["case_01"]!.grid.affine * .scaling(0.5, 0.5, 0.5))
        try LabelVolume(grid: finer).write(to: fixture.path + "/labels/final/case_01.nii.gz")
        let database = try AppDatabase(folder: fixture.path)
        let report = try database.sync()
        XCTAssertEqual(report.labelVersions, ["case_02 final v1"])
        let spacing = grid.spacingMM.map { String(format: "%g", $0) }.joined(separator: "×")
        let half = grid.spacingMM.map { String(format: "%g", $0 / 2) }.joined(separator: "×")
        XCTAssertEqual(report.problems, [
            "labels/final/case_00.nii.gz: its grid (24×24×7 voxels) differs from its image's (24×24×8); not registered",
            "labels/final/case_01.nii.gz: its voxels (\(half) mm) differ from its image's (\(spacing) mm); not registered"])
        XCTAssertEqual(try database.studies().map(\.status), [.unlabeled, .unlabeled, .labeled])
    }

    func testATagThatClimbsOutIsRefusedBeforeAnythingIsCreated() throws {
        let fixture = try StudyFolderFixture(count: 1, labeled: 0)
        let database = try AppDatabase(folder: fixture.path)
        try database.sync()
        let label = fixture.labelMap("case_00", value: 1, at: [3])
        for tag in ["../../escape", "a/b", "..", ".hidden", "new\nline", ""] {
            XCTAssertThrowsError(try database.saveLabel(label, imageId: "case_00", tag: tag, basedOn: nil, author: "ann"), tag) { error in
                guard case .badName(let kind, _, _)? = error as? DatastoreError else { return XCTFail("\(error)") }
                XCTAssertEqual(kind, "tag")
            }
        }
        let created = try FileManager.default.contentsOfDirectory(atPath: fixture.path + "/labels")
        XCTAssertEqual(created, ["final"], "no folder was made for a refused tag")
        XCTAssertFalse(FileManager.default.fileExists(atPath: NSString(string: fixture.path + "/../../escape").standardizingPath))
    }

    func testALabelsFileThatSaysSomethingElseIsNamedAndDoesNotStopTheImport() throws {
        let fixture = try StudyFolderFixture(count: 1, labeled: 1)
        let path = fixture.path + "/labels.json"
        let cases: [(String, String)] = [
            ("{\"labels\": {\"liver\": 1", "not JSON"),
            ("[1, 2]", "must be an object"),
            ("{\"labels\": [\"liver\"]}", "\"labels\" must be an object"),
            ("{\"labels\": {\"liver\": \"one\"}}", "\"labels.liver\" must be a number"),
            ("{\"labels\": {\"liver\": true}}", "\"labels.liver\" must be a number"),
            ("{\"labels\": {\"liver\": 1.5}}", "label liver has value 1.5; values are whole numbers 0–65535"),
            ("{\"labels\": {\"liver\": 70000}}", "label liver has value 70000; values are whole numbers 0–65535"),
            ("{\"labels\": {\"liver\": 1, \"spleen\": 1}}", "labels liver and spleen share the value 1"),
            ("{\"labels\": {\"li\\u001bver\": 1}}", "is empty or holds a control character"),
            ("{\"modality\": 3}", "\"modality\" must be a string"),
        ]
        for (text, reason) in cases {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try LabelNamesFile.read(path).count + (LabelNamesFile.modality(path)?.count ?? 0), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(path + ": "), "\(error)")
                XCTAssertTrue("\(error)".contains(reason), "\(error) should say \(reason)")
                XCTAssertFalse("\(error)".unicodeScalars.contains("\u{1b}"))
            }
        }
        // The import goes on: the label on disk is registered (without names) and the problem named.
        let report = try AppDatabase(folder: fixture.path).sync()
        XCTAssertEqual(report.added, ["case_00"])
        XCTAssertEqual(report.labelVersions.count, 1)
        XCTAssertTrue(report.problems.contains { $0.hasPrefix(path + ": ") && $0.contains("\"modality\" must be a string") }, "\(report.problems)")

        try Data("{\"labels\": {\"background\": 0, \"liver\": 1, \"spleen\": 2}, \"modality\": \"CT\"}".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try LabelNamesFile.read(path).map(\.name), ["background", "liver", "spleen"])
        XCTAssertEqual(try LabelNamesFile.modality(path), "CT")
        try FileManager.default.removeItem(atPath: path)
        XCTAssertEqual(try LabelNamesFile.read(path), [], "no file, no names")
    }
}
