// Several processes on one study list, and processes killed at random moments: one save wins and the other is
// told, every version stays readable, the database stays consistent, and the journal rebuilds the draft exactly.

import Datastore
@testable import datastore_stress
import Foundation
import GRDB
import Volume
import VolumeTesting
import XCTest

final class CrashTests: XCTestCase {
    func makeFolder() throws -> (path: String, image: Volume) {
        let path = NSTemporaryDirectory() + "termlabel-crash-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let phantom = AbdomenPhantom.make(seed: 77, shape: [32, 32, 12], spacing: [9, 0, 14])
        try phantom.image.write(to: path + "/case.nii.gz")
        // Label files handed to `submit` live beside the study folder, not in it (they would be images there).
        try FileManager.default.createDirectory(atPath: path + "-inbox", withIntermediateDirectories: true)
        addTeardownBlock {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + "-inbox")
        }
        return (path, phantom.image)
    }

    func launch(_ executable: URL, _ arguments: [String], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func label(_ image: Volume, value: UInt16, seed: Int) -> LabelVolume {
        var label = LabelVolume(grid: image.grid)
        for n in stride(from: seed % 7, to: label.voxels.count, by: 5 + seed % 3) { label.voxels[n] = value }
        return label
    }

    func integrityIsOK(_ folder: String) throws -> Bool {
        let database = try AppDatabase(folder: folder)
        return try database.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok"
    }

    func testTwoProcessesSavingFromTheSameVersionOneWins() throws {
        let (folder, image) = try makeFolder()
        let database = try AppDatabase(folder: folder)
        try database.sync()
        try database.saveLabel(label(image, value: 1, seed: 0), imageId: "case", basedOn: nil, author: "setup")
        let files = (1...2).map { folder + "-inbox/mine-\($0).nii.gz" }
        for (n, file) in files.enumerated() { try label(image, value: UInt16(2 + n), seed: n + 1).write(to: file) }
        for round in 0..<3 {
            let base = try XCTUnwrap(database.newestLabel("case")).version
            let processes = try files.map { try launch(termlabelBinary, ["submit", folder, "case", $0, "--based-on", String(base)]) }
            processes.forEach { $0.waitUntilExit() }
            let statuses = processes.map(\.terminationStatus).sorted()
            XCTAssertEqual(statuses, [0, 1], "round \(round): exactly one save wins")
            XCTAssertEqual(try database.newestLabel("case")?.version, base + 1)
        }
        for version in try database.labelVersions("case") {
            XCTAssertNoThrow(try LabelVolume(contentsOf: version.path), "version \(version.version)")
        }
        XCTAssertTrue(try integrityIsOK(folder))
    }

    func testKilledWhileSavingLeavesEveryVersionReadable() throws {
        let (folder, image) = try makeFolder()
        let file = folder + "-inbox/incoming.nii.gz"
        var kills = 0
        for round in 0..<25 {
            try label(image, value: UInt16(1 + round % 5), seed: round).write(to: file)
            let before = try AppDatabase(folder: folder)
            try before.sync()
            let base = try before.newestLabel("case")?.version ?? 0
            let process = try launch(termlabelBinary, ["submit", folder, "case", file, "--based-on", String(base)])
            // Kill points spread over the save, the same on every run: at once (always mid-save), then later and later.
            usleep(UInt32(round % 5) * 30_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL); kills += 1 }
            process.waitUntilExit()

            // Consistent afterwards: integrity, every recorded version readable, the folder's label readable,
            // and a sync that accounts for whatever reached the disk.
            XCTAssertTrue(try integrityIsOK(folder), "round \(round)")
            let after = try AppDatabase(folder: folder)
            try after.sync()
            for version in try after.labelVersions("case") {
                XCTAssertNoThrow(try LabelVolume(contentsOf: version.path), "round \(round) version \(version.version)")
            }
            if FileManager.default.fileExists(atPath: folder + "/labels/final/case.nii.gz") {
                let shown = try LabelVolume(contentsOf: folder + "/labels/final/case.nii.gz")
                XCTAssertEqual(try after.readLabel("case"), shown, "round \(round): the newest version is what labels/final holds")
            }
            XCTAssertFalse(try after.sync().changedAnything)
        }
        XCTAssertGreaterThanOrEqual(kills, 5, "the saves killed at once were interrupted")
    }

    func testAnotherProcessSeesTheClaimUntilItExpires() throws {
        let (folder, _) = try makeFolder()
        let stress = termlabelBinary.deletingLastPathComponent().appendingPathComponent("datastore-stress")
        let child = try launch(stress, ["claim", folder, "case", "ann", "600"])
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0)
        let database = try AppDatabase(folder: folder)
        let bob = Annotator(user: "bob", host: "ws2", pid: 42)
        XCTAssertThrowsError(try database.claim("case", by: bob)) { error in
            XCTAssertTrue("\(error)".contains("ann@"), "\(error)")
        }
        XCTAssertEqual(try database.studyRows().first?.claim?.user, "ann")
        // Ann, back from a dropped connection in a new process on this machine, takes her study back at once: the
        // process that held it is gone.
        let host = ProcessInfo.processInfo.hostName
        let ann = Annotator(user: "ann", host: host, pid: getpid())
        XCTAssertNoThrow(try database.claim("case", by: ann))
        // A second window of hers, a live process, gets it read-only and hears since when it is held.
        XCTAssertThrowsError(try database.claim("case", by: Annotator(user: "ann", host: host, pid: getppid()))) { error in
            guard case .claimed(_, let by, _, _)? = error as? DatastoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(by, "ann@\(host) (pid \(getpid()))")
        }
        XCTAssertThrowsError(try database.claim("case", by: Annotator(user: "ann", host: "ws9", pid: 7)), "nor from another machine")
        // Once her renewed claim (30 minutes) has lapsed, Bob may take it.
        XCTAssertEqual(try database.claim("case", by: bob, now: Date().addingTimeInterval(30 * 60 + 1)).user, "bob")
    }

    func testJournalSurvivesSIGKILLAndRebuildsExactly() throws {
        let (folder, image) = try makeFolder()
        let stress = termlabelBinary.deletingLastPathComponent().appendingPathComponent("datastore-stress")
        for round in 0..<4 {
            let database = try AppDatabase(folder: folder)
            try database.sync()
            try database.discardDraft("case", user: "stress")
            let seed = UInt64(round + 1)
            let output = Pipe()
            let process = try launch(stress, ["journal", folder, "case", String(seed), "100000"], output: output)
            // Let it journal a while, then kill it mid-stride.
            var reported = 0
            let reader = output.fileHandleForReading
            var buffer = ""
            while reported < 40 + 30 * round {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                buffer += String(decoding: chunk, as: UTF8.self)
                reported = buffer.split(separator: "\n").compactMap { $0.hasPrefix("done ") ? Int($0.dropFirst(5)) : nil }.last ?? reported
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let draft = try XCTUnwrap(database.draft("case", user: "stress"))
            XCTAssertGreaterThanOrEqual(draft.edits.count, reported, "every edit reported as journaled is there")
            let expected = stressEdits(seed: seed, count: draft.edits.count, voxels: image.grid.voxelCount)
            XCTAssertEqual(draft.edits, expected)
            let rebuilt = try XCTUnwrap(database.rebuildDraft("case", user: "stress", grid: image.grid))
            // The seeds as the edits say, undo and redo followed by hand.
            var seeds = [UInt16](repeating: 0, count: image.grid.voxelCount)
            var done: [DraftEdit] = [], undone: [DraftEdit] = []
            for edit in expected {
                switch edit.kind {
                case .undo:
                    guard let last = done.popLast() else { continue }
                    for c in last.changes.reversed() { seeds[Int(c.offset)] = c.old }
                    undone.append(last)
                case .redo:
                    guard let last = undone.popLast() else { continue }
                    for c in last.changes { seeds[Int(c.offset)] = c.new }
                    done.append(last)
                default:
                    for c in edit.changes { seeds[Int(c.offset)] = c.new }
                    done.append(edit)
                    undone.removeAll()
                }
            }
            XCTAssertEqual(rebuilt.seeds.voxels, seeds)
            XCTAssertEqual(rebuilt.applied, done)
            XCTAssertEqual(rebuilt.undone, undone)
            XCTAssertTrue(rebuilt.seeds.voxels.contains { $0 != 0 }, "the edits left seeds to compare")
            XCTAssertTrue(try integrityIsOK(folder))
        }
    }
}

