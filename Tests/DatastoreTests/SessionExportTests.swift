// Annotation sessions count active time and effort; export lays the labeled studies out for MONAI and nnU-Net.

import Datastore
import Foundation
import Volume
import XCTest

final class SessionExportTests: XCTestCase {
    func testActiveTimeLeavesOutIdleGaps() throws {
        let fixture = try StudyFolderFixture(count: 1, labeled: 0)
        let database = try AppDatabase(folder: fixture.path)
        try database.sync()
        let start = Date(timeIntervalSince1970: 1_000_000)
        let session = try database.startSession("case_00", user: "ann", at: start)
        try database.record(.click, session: session.id!, at: start.addingTimeInterval(10))
        try database.record(.scribbleStroke, session: session.id!, at: start.addingTimeInterval(40))
        try database.record(.other, session: session.id!, at: start.addingTimeInterval(400))   // a coffee break: not counted
        try database.record(.undo, session: session.id!, at: start.addingTimeInterval(420))
        try database.record(.modelCall, session: session.id!, at: start.addingTimeInterval(425))
        try database.endSession(session.id!, at: start.addingTimeInterval(430))
        let saved = try XCTUnwrap(database.sessions("case_00").first)
        XCTAssertEqual(saved.activeSeconds, 10 + 30 + 20 + 5, accuracy: 1e-6)
        XCTAssertEqual([saved.clicks, saved.scribbleStrokes, saved.undos, saved.modelCalls, saved.brushStrokes], [1, 1, 1, 1, 0])
        let effort = AnnotationEffort(try database.sessions())
        XCTAssertEqual(effort.sessions, 1)
        XCTAssertEqual(effort.annotators, ["ann"])
    }

    func testExportInBothLayouts() throws {
        let fixture = try StudyFolderFixture(count: 3, labeled: 2)
        try Data(#"{"modality": "CT", "labels": {"liver": 1, "spleen": 2}}"#.utf8)
            .write(to: URL(fileURLWithPath: fixture.path + "/labels.json"))
        let database = try AppDatabase(folder: fixture.path)
        for format in ExportFormat.allCases {
            let output = fixture.path + "-\(format.rawValue)"
            defer { try? FileManager.default.removeItem(atPath: output) }
            let summary = try database.export(to: output, format: format)
            XCTAssertEqual([summary.training, summary.test], [2, 1])
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/dataset.json"))) as? [String: Any])
            XCTAssertEqual(json["numTraining"] as? Int, 2)
            let image = format == .nnunet ? "/imagesTr/case_00_0000.nii.gz" : "/imagesTr/case_00.nii.gz"
            // Links resolve to readable files on the right grid.
            let exported = try NiftiFile.open(output + image)
            XCTAssertEqual(exported.grid.affine, fixture.images["case_00"]!.affine)
            XCTAssertNoThrow(try LabelVolume(contentsOf: output + "/labelsTr/case_01.nii.gz"))
            if format == .nnunet {
                XCTAssertEqual(json["labels"] as? [String: Int], ["background": 0, "liver": 1, "spleen": 2])
                XCTAssertEqual(json["file_ending"] as? String, ".nii.gz")
            } else {
                XCTAssertEqual(json["labels"] as? [String: String], ["0": "background", "1": "liver", "2": "spleen"])
                XCTAssertEqual((json["training"] as? [[String: String]])?.first?["label"], "./labelsTr/case_00.nii.gz")
                XCTAssertEqual(json["test"] as? [String], ["./imagesTs/case_02.nii.gz"])
            }
        }
    }

    /// nnU-Net refuses a dataset whose label values are not 1, 2, … without gaps, or whose label files hold a value
    /// dataset.json does not list; MONAI's one-hot fails on the latter. Here labels.json names the liver (1) and the
    /// lesion (5), and the files hold the phantom's spleen and kidneys too: those go to background (as they train
    /// here), and for nnU-Net the lesion becomes 2. The files written so are on the label's grid; the others
    /// stay links.
    func testExportedLabelsHoldOnlyTheValuesTheDatasetListsAndNnUNetsAreConsecutive() throws {
        let fixture = try StudyFolderFixture(count: 2, labeled: 2)
        try Data(#"{"modality": "CT", "labels": {"liver": 1, "lesion": 5}}"#.utf8)
            .write(to: URL(fileURLWithPath: fixture.path + "/labels.json"))
        // case_01 holds the liver alone: nothing to change in it.
        var liverOnly = try LabelVolume(contentsOf: fixture.path + "/labels/final/case_01.nii.gz")
        liverOnly.voxels = liverOnly.voxels.map { $0 == 1 ? 1 : 0 }
        try liverOnly.write(to: fixture.path + "/labels/final/case_01.nii.gz")
        let original = try LabelVolume(contentsOf: fixture.path + "/labels/final/case_00.nii.gz")
        XCTAssertEqual(original.labelsPresent, [1, 2, 3, 4, 5], "the phantom holds every organ")
        let database = try AppDatabase(folder: fixture.path)
        let mappings: [(ExportFormat, [UInt16: UInt16])] = [(.nnunet, [1: 1, 5: 2]), (.monai, [1: 1, 5: 5])]
        for (format, mapping) in mappings {
            let output = fixture.path + "-\(format.rawValue)"
            defer { try? FileManager.default.removeItem(atPath: output) }
            let summary = try database.export(to: output, format: format)
            let label = try LabelVolume(contentsOf: output + "/labelsTr/case_00.nii.gz")
            XCTAssertTrue(label.grid.matches(original.grid))
            XCTAssertEqual(label.voxels, original.voxels.map { mapping[$0] ?? 0 }, "\(format)")
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/dataset.json"))) as? [String: Any])
            let link = try? FileManager.default.destinationOfSymbolicLink(atPath: output + "/labelsTr/case_01.nii.gz")
            var notes = ["case_00: label values 2, 3, 4 not named by the folder's labels, exported as background"]
            if format == .nnunet {
                XCTAssertEqual(json["labels"] as? [String: Int], ["background": 0, "liver": 1, "lesion": 2])
                notes.insert("label values renumbered for nnU-Net (consecutive from 1): lesion 5 → 2", at: 0)
            } else {
                XCTAssertEqual(json["labels"] as? [String: String], ["0": "background", "1": "liver", "5": "lesion"])
            }
            XCTAssertNotNil(link, "a file with nothing to change stays a link")
            XCTAssertEqual(summary.notes, notes)
        }
    }
}
