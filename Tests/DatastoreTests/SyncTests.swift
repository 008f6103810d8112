// Import and re-import of a folder: statuses and versions follow what is on disk.

import Datastore
import Foundation
import Volume
import XCTest

final class SyncTests: XCTestCase {
    func testImportReimportAndChangesOnDisk() throws {
        let fixture = try StudyFolderFixture(count: 3, labeled: 1)
        // A model's output for case_01 and a label whose image does not exist.
        try FileManager.default.createDirectory(atPath: fixture.path + "/labels/original", withIntermediateDirectories: true)
        try fixture.labelMap("case_01", value: 1, at: [5]).write(to: fixture.path + "/labels/original/case_01.nii.gz")
        try fixture.labelMap("case_01", value: 1, at: [5]).write(to: fixture.path + "/labels/final/ghost.nii.gz")

        let database = try AppDatabase(folder: fixture.path)
        var report = try database.sync()
        XCTAssertEqual(report.added.sorted(), ["case_00", "case_01", "case_02"])
        XCTAssertEqual(report.labelVersions.sorted(), ["case_00 final v1", "case_01 original v1"])
        XCTAssertTrue(report.problems.contains { $0.contains("ghost") }, "\(report.problems)")
        XCTAssertEqual(try database.studies().map(\.status), [.labeled, .inProgress, .unlabeled])
        XCTAssertEqual(try database.study("case_00").shape, [24, 24, 8])

        // Idempotent.
        report = try database.sync()
        XCTAssertFalse(report.changedAnything, "\(report)")

        // A labeled image changes, an image vanishes, a label is added by hand, a new image arrives.
        var changed = fixture.images["case_00"]!
        changed.voxels[0] += 100
        try changed.write(to: fixture.path + "/case_00.nii.gz")
        try FileManager.default.removeItem(atPath: fixture.path + "/case_02.nii.gz")
        try fixture.labelMap("case_01", value: 2, at: [7, 8]).write(to: fixture.path + "/labels/final/case_01.nii.gz")
        try fixture.images["case_00"]!.write(to: fixture.path + "/case_03.nii")
        report = try database.sync()
        XCTAssertEqual(report.changed, ["case_00"])
        XCTAssertEqual(report.missing, ["case_02"])
        XCTAssertEqual(report.added, ["case_03"])
        XCTAssertEqual(report.labelVersions, ["case_01 final v1"])
        let studies = Dictionary(uniqueKeysWithValues: try database.studies().map { ($0.imageId, $0) })
        XCTAssertTrue(studies["case_00"]!.imageChanged)
        XCTAssertEqual(studies.mapValues(\.status), ["case_00": .labeled, "case_01": .labeled, "case_02": .missing, "case_03": .unlabeled])
        // The missing study keeps its history and comes back.
        try fixture.images["case_00"]!.write(to: fixture.path + "/case_02.nii.gz")
        report = try database.sync()
        XCTAssertEqual(report.returned, ["case_02"])
        XCTAssertFalse(try database.sync().changedAnything)
    }

    func testAFolderThatCannotBeListedLeavesTheStudyListAsItWas() throws {
        let fixture = try StudyFolderFixture(count: 2, labeled: 1)
        // The list beside the folder, as for a read-only one, so that it stays when the folder goes.
        let data = NSTemporaryDirectory() + "termlabel-sync-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: data) }
        let database = try AppDatabase(location: StoreLocation(folder: fixture.path, environment: ["XDG_DATA_HOME": data], writable: false))
        try database.sync()
        let before = try database.studies().map { "\($0.imageId) \($0.status)" }
        XCTAssertEqual(before, ["case_00 labeled", "case_01 unlabeled"])
        // The folder cannot be listed any more (an unmounted share, changed permissions; root lists any folder, so
        // here a file takes its place): read as empty, every study would be marked missing.
        let away = fixture.path + ".away"
        try FileManager.default.moveItem(atPath: fixture.path, toPath: away)
        defer { try? FileManager.default.removeItem(atPath: fixture.path); try? FileManager.default.moveItem(atPath: away, toPath: fixture.path) }
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: fixture.path))
        XCTAssertThrowsError(try database.sync()) { error in
            XCTAssertEqual("\(error)", "\(fixture.path): cannot read the folder (Not a directory); the study list was left as it was")
        }
        XCTAssertEqual(try database.studies().map { "\($0.imageId) \($0.status)" }, before)
    }

    func testLabelsEditedByHandBecomeNewVersions() throws {
        let fixture = try StudyFolderFixture(count: 1, labeled: 1)
        let database = try AppDatabase(folder: fixture.path)
        try database.sync()
        let first = try XCTUnwrap(database.readLabel("case_00"))
        try fixture.labelMap("case_00", value: 3, at: [1, 2, 3]).write(to: fixture.path + "/labels/final/case_00.nii.gz")
        XCTAssertEqual(try database.sync().labelVersions, ["case_00 final v2"])
        XCTAssertEqual(try database.labelVersions("case_00").map(\.version), [1, 2])
        // Both versions stay readable.
        XCTAssertEqual(try database.readLabel("case_00", version: 1), first)
        XCTAssertEqual(try database.readLabel("case_00")?.count(of: 3), 3)
    }

    func testReadOnlyFolderKeepsItsListUnderXDGDataHome() throws {
        let fixture = try StudyFolderFixture(count: 1, labeled: 0)
        let data = NSTemporaryDirectory() + "termlabel-xdg-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let location = try StoreLocation(folder: fixture.path, environment: ["XDG_DATA_HOME": data], writable: false)
        XCTAssertFalse(location.insideFolder)
        XCTAssertTrue(location.databasePath.hasPrefix(data + "/termlabel/"))
        let database = try AppDatabase(location: location)
        XCTAssertEqual(try database.sync().added, ["case_00"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.path + "/.termlabel"))
        XCTAssertThrowsError(try StoreLocation(folder: fixture.path + "/nope"))
    }
}
