// The termlabel binary as a user runs it: output, JSON, errors and exit codes.

import Foundation
import Volume
import XCTest

final class CLITests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let conformance = repository.appendingPathComponent("Tests/VolumeTests/Fixtures/conformance").path

    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try runTermlabel(arguments)
    }
}

/// The built binary sits in the build folder with the test bundle.
var termlabelBinary: URL {
    let bundle = Bundle(for: CLITests.self).bundleURL
    let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("termlabel") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
}

func runTermlabel(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = termlabelBinary
        process.arguments = arguments
        // Help wraps at the terminal's width: the same 80 columns wherever the tests run. No generic models unless
        // a test ships its own: the folders here start with none.
        process.environment = ProcessInfo.processInfo.environment.merging(["COLUMNS": "80", "TERMLABEL_MODELS": ""].merging(environment) { _, new in new }) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

extension CLITests {
    /// Every verb's --help, word for word, against Tests/termlabelTests/Fixtures/help (one file per verb, "termlabel"
    /// for the top level, "model-list" for `model list`). TERMLABEL_RECORD_HELP=1 writes the files anew.
    func testEveryVerbsHelpIsAsCommitted() throws {
        let folder = CLITests.repository.appendingPathComponent("Tests/termlabelTests/Fixtures/help").path
        let record = ProcessInfo.processInfo.environment["TERMLABEL_RECORD_HELP"] != nil
        func verbs(_ help: String) -> [String] {
            // The SUBCOMMANDS section: "  name  abstract" lines, "(default)" after the default one.
            guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
            return help[start.upperBound...].split(separator: "\n").prefix { !$0.hasPrefix("  See '") }
                .compactMap { line in line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil }
        }
        var queue: [[String]] = [[]]
        var seen: [String] = []
        while let path = queue.popLast() {
            let name = (["termlabel"] + path).joined(separator: "-")
            seen.append(name)
            let result = try run(path + ["--help"])
            XCTAssertEqual(result.status, 0, name)
            let file = folder + "/" + name + ".txt"
            if record {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try result.out.write(toFile: file, atomically: true, encoding: .utf8)
            } else {
                XCTAssertEqual(result.out, try? String(contentsOfFile: file, encoding: .utf8), "\(name): --help differs from \(file)")
            }
            queue += verbs(result.out).filter { $0 != "help" }.map { path + [$0] }
        }
        let committed = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }
        XCTAssertEqual(Set(committed), Set(seen), "a help file for every verb, and none for a verb that is gone")
        XCTAssertGreaterThan(seen.count, 25)
    }

    func testInfoJSONOnePerFileAndErrorsOnePerLine() throws {
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

    func testAClickFileThatIsNoFileSaysWhatItIs() throws {
        let sample = CLITests.repository.appendingPathComponent("samples/ct-abdomen/ct_001.nii.gz").path
        let folder = NSTemporaryDirectory()
        let result = try run(["segment", sample, "--clicks", folder, "--out", folder + "/never.nii.gz"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.err, "termlabel: \(folder): cannot read: it is a folder\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/never.nii.gz"))
    }
}

final class SegmentCLITests: XCTestCase {
    let samples = CLITests.repository.appendingPathComponent("samples/ct-abdomen").path

    func temporary() throws -> String {
        let folder = NSTemporaryDirectory() + "termlabel-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    func testClicksOnASampleWriteALabelOnTheImageGrid() throws {
        let folder = try temporary()
        // The lesion of ct_001: a positive click at its centre.
        let truth = try LabelVolume(contentsOf: samples + "/labels/final/ct_001.nii.gz")
        var sum = [0, 0, 0], n = 0
        for k in 0..<truth.shape[2] { for j in 0..<truth.shape[1] { for i in 0..<truth.shape[0] where truth[i, j, k] == 5 {
            sum[0] += i; sum[1] += j; sum[2] += k; n += 1
        } } }
        let centre = sum.map { $0 / n }
        try Data("{\"foreground\": [[\(centre[0]), \(centre[1]), \(centre[2])]], \"background\": []}".utf8)
            .write(to: URL(fileURLWithPath: folder + "/clicks.json"))
        // The lesion is 0.5–1.5 cm across: a 15 mm margin holds it.
        let result = try runTermlabel(["segment", samples + "/ct_001.nii.gz", "--clicks", folder + "/clicks.json", "--roi-margin", "15",
                                  "--out", folder + "/lesion.nii.gz", "--reference", folder + "/reference.nii.gz"])
        XCTAssertNotEqual(result.status, 0, "the reference does not exist yet")
        XCTAssertTrue(result.err.contains("reference.nii.gz"), result.err)

        var lesion = LabelVolume(grid: truth.grid)
        for v in 0..<truth.voxels.count where truth.voxels[v] == 5 { lesion.voxels[v] = 1 }
        try lesion.write(to: folder + "/reference.nii.gz")
        let ok = try runTermlabel(["segment", samples + "/ct_001.nii.gz", "--clicks", folder + "/clicks.json", "--roi-margin", "15",
                              "--out", folder + "/lesion.nii.gz", "--reference", folder + "/reference.nii.gz"])
        XCTAssertEqual(ok.status, 0, ok.err)
        XCTAssertTrue(ok.out.contains("max-flow") || ok.out.contains("graph cut"), ok.out)
        let dice = try XCTUnwrap(ok.out.split(separator: "\n").first { $0.hasPrefix("label 1") }?.split(separator: " ").last.flatMap { Double($0) })
        XCTAssertGreaterThan(dice, 0.8, ok.out)
        let written = try NiftiFile.open(folder + "/lesion.nii.gz")
        XCTAssertEqual(written.grid.affine, truth.grid.affine)
    }

    func testABoxAndALassoOnOneSliceSegmentTheLiver() throws {
        let folder = try temporary()
        let truth = try LabelVolume(contentsOf: samples + "/labels/final/ct_001.nii.gz")
        var liver = LabelVolume(grid: truth.grid)
        for v in 0..<truth.voxels.count where truth.voxels[v] == 1 { liver.voxels[v] = 1 }
        try liver.write(to: folder + "/liver.nii.gz")
        // The slice where the liver is largest, its extent there, and its outline as a lasso of every voxel on the
        // edge of its bounding rows (left end, right end), walked round.
        var counts = [Int](repeating: 0, count: truth.shape[2])
        for v in 0..<truth.voxels.count where liver.voxels[v] == 1 { counts[truth.grid.voxel(atOffset: v).k] += 1 }
        let k = counts.indices.max { counts[$0] < counts[$1] }!
        var rows: [Int: (Int, Int)] = [:]
        for j in 0..<truth.shape[1] { for i in 0..<truth.shape[0] where liver[i, j, k] == 1 {
            let row = rows[j] ?? (i, i)
            rows[j] = (min(row.0, i), max(row.1, i))
        } }
        let js = rows.keys.sorted()
        let (lowI, highI) = (rows.values.map(\.0).min()!, rows.values.map(\.1).max()!)
        let box = "\(lowI),\(js.first!),\(k),\(highI),\(js.last!),\(k)"
        let outline = js.map { [rows[$0]!.1, $0, k] } + js.reversed().map { [rows[$0]!.0, $0, k] }
        try JSONEncoder().encode(outline).write(to: URL(fileURLWithPath: folder + "/lasso.json"))
        for prompt in [["--box", box], ["--lasso", folder + "/lasso.json"]] {
            let run = try runTermlabel(["segment", samples + "/ct_001.nii.gz"] + prompt + ["--out", folder + "/out.nii.gz",
                                                                                           "--reference", folder + "/liver.nii.gz"])
            XCTAssertEqual(run.status, 0, run.err)
            let dice = try XCTUnwrap(run.out.split(separator: "\n").first { $0.hasPrefix("label 1") }?.split(separator: " ").last.flatMap { Double($0) })
            XCTAssertGreaterThan(dice, 0.8, "\(prompt[0]): \(run.out)")
        }
        let skewed = try runTermlabel(["segment", samples + "/ct_001.nii.gz", "--box", "10,10,10,20,20,20", "--out", folder + "/x.nii.gz"])
        XCTAssertEqual(skewed.status, 1)
        XCTAssertEqual(skewed.err, "termlabel: a box's corners must lie on one slice (share one index)\n")
    }

    func testTheClickRobotGivesEveryToolTheSameClicksWhenAsked() throws {
        // A folder holding one sample image; the ground truth beside it: its lesion alone (small, so quick).
        let folder = try temporary(), truthFolder = try temporary()
        try FileManager.default.copyItem(atPath: samples + "/ct_001.nii.gz", toPath: folder + "/ct_001.nii.gz")
        let truth = try LabelVolume(contentsOf: samples + "/labels/final/ct_001.nii.gz")
        var lesion = LabelVolume(grid: truth.grid)
        for v in 0..<truth.voxels.count where truth.voxels[v] == 5 { lesion.voxels[v] = 1 }
        try lesion.write(to: truthFolder + "/ct_001.nii.gz")
        let run = try runTermlabel(["eval", "clicks", folder, "--truth", truthFolder, "--tools", "classical,growcut", "--clicks", "4",
                                    "--same-clicks", "--trace"])
        XCTAssertEqual(run.status, 0, run.err)
        // "ct_001 label 1 3D classical click 2: 0.812  + (…)  − (…)": the clicks after the Dice, per tool and click.
        func clicks(_ tool: String) -> [String] {
            run.out.split(separator: "\n").filter { $0.hasPrefix("ct_001 label 1 3D \(tool) click ") }.map {
                String($0.split(separator: ":", maxSplits: 1)[1].drop { $0 != "+" })
            }
        }
        func dice(_ tool: String) -> String? {
            run.out.split(separator: "\n").first { $0.hasPrefix("ct_001 label 1") && $0.contains(" 3D \(tool)") && !$0.contains("click") }
                .map { String($0.split(separator: " ").suffix(4).joined(separator: " ")) }
        }
        XCTAssertEqual(clicks("classical").count, 4, run.out)
        XCTAssertEqual(clicks("growcut+box"), clicks("classical"), "the peer answers the classical tool's clicks")
        XCTAssertNotEqual(dice("growcut+box"), dice("classical"), "both tools ran: their answers differ")
        XCTAssertNotNil(dice("classical"), run.out)
        XCTAssertNotNil(dice("growcut+box"), "each tool's row names it in full: " + run.out)
    }

    func testTheScribbleEvaluationNamesEveryStudyInFull() throws {
        // Two studies whose names differ only after their seventh character.
        let folder = try lesionFolder(ids: ["abdomen_early", "abdomen_late"])
        let run = try runTermlabel(["eval", "scribbles", folder])
        XCTAssertEqual(run.status, 0, run.err)
        let rows = run.out.split(separator: "\n").map(String.init)
        for id in ["abdomen_early", "abdomen_late"] {
            let row = try XCTUnwrap(rows.first { $0.split(separator: " ").first.map(String.init) == id }, run.out)
            XCTAssertEqual(row.split(separator: " ").dropFirst().prefix(2).joined(separator: " "), "liver lesion", row)
            XCTAssertGreaterThan(Double(row.split(separator: " ")[3]) ?? 0, 0.5, row)
        }
    }

    /// A study folder holding the CT sample under each of `ids`, its lesion alone as the truth (small, so quick).
    func lesionFolder(ids: [String]) throws -> String {
        let folder = try temporary()
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        let truth = try LabelVolume(contentsOf: samples + "/labels/final/ct_001.nii.gz")
        var lesion = LabelVolume(grid: truth.grid)
        for v in 0..<truth.voxels.count where truth.voxels[v] == 5 { lesion.voxels[v] = 1 }
        for id in ids {
            try FileManager.default.copyItem(atPath: samples + "/ct_001.nii.gz", toPath: folder + "/\(id).nii.gz")
            try lesion.write(to: folder + "/labels/final/\(id).nii.gz")
        }
        try Data(#"{"modality": "CT", "labels": {"liver lesion": 1}}"#.utf8).write(to: URL(fileURLWithPath: folder + "/labels.json"))
        return folder
    }

    func testScribbleComparisonRunsEachPeerAtItsOwnLambda() throws {
        let folder = try lesionFolder(ids: ["ct_001"])
        let compared = try runTermlabel(["eval", "scribbles", folder, "--compare", "histogram,histogram@0.5"])
        XCTAssertEqual(compared.status, 0, compared.err)
        let lines = compared.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ").suffix(2), ["histogram", "histogram@0.5"], compared.out)
        // "ct_001  liver lesion  0.8123 ( 0.41 s) 0.8456 ( 0.39 s)": the Dice before each time.
        let row = try XCTUnwrap(lines.first { $0.hasPrefix("ct_001") }, compared.out).split(separator: " ")
        let dice = row.indices.filter { row[$0].hasPrefix("(") }.map { String(row[$0 - 1]) }
        XCTAssertEqual(dice.count, 2, compared.out)
        XCTAssertNotEqual(dice[0], dice[1], "λ 5 and λ 0.5 give different answers here: " + compared.out)
        let alone = try runTermlabel(["eval", "scribbles", folder, "--method", "histogram", "--lambda", "0.5"])
        XCTAssertEqual(alone.status, 0, alone.err)
        let aloneRow = try XCTUnwrap(alone.out.split(separator: "\n").first { $0.hasPrefix("ct_001") }, alone.out)
        // "ct_001  liver lesion  0.9619  0.9619       0.41": alone, all at once, seconds.
        XCTAssertEqual(aloneRow.split(separator: " ").suffix(3).first, Substring(dice[1]), "histogram@0.5 is the histogram cut at λ 0.5: " + alone.out)
        let wrong = try runTermlabel(["eval", "scribbles", folder, "--compare", "histogram@x"])
        XCTAssertEqual(wrong.status, 64)
        XCTAssertTrue(wrong.err.contains("not \"histogram@x\""), wrong.err)
    }

    func testInterpolateFillsBetweenDrawnSlicesAndWritesTheFile() throws {
        let folder = try temporary()
        let truth = try LabelVolume(contentsOf: samples + "/labels/final/ct_001.nii.gz")
        // The liver's outline on two axial slices 8 apart, nothing between.
        let axis = truth.grid.orientation.voxelAxis(along: .z)
        var drawn = LabelVolume(grid: truth.grid)
        var counts = [Int](repeating: 0, count: truth.shape[axis])
        for v in 0..<truth.voxels.count where truth.voxels[v] == 1 { counts[truth.grid.voxel(atOffset: v)[axis]] += 1 }
        let middle = counts.indices.max { counts[$0] < counts[$1] }!
        for v in 0..<truth.voxels.count where truth.voxels[v] == 1 && [middle - 4, middle + 4].contains(truth.grid.voxel(atOffset: v)[axis]) {
            drawn.voxels[v] = 1
        }
        try drawn.write(to: folder + "/drawn.nii.gz")
        let run = try runTermlabel(["interpolate", folder + "/drawn.nii.gz", "--out", folder + "/filled.nii.gz"])
        XCTAssertEqual(run.status, 0, run.err)
        let filled = try LabelVolume(contentsOf: folder + "/filled.nii.gz")
        XCTAssertEqual(filled.grid.affine, truth.grid.affine)
        let between = (0..<filled.voxels.count).filter { filled.voxels[$0] == 1 && abs(filled.grid.voxel(atOffset: $0)[axis] - middle) < 4 }
        XCTAssertTrue(run.out.hasPrefix("label 1: \(between.count) voxels filled\n"), run.out)
        // The filled slices hold the liver where it is: mostly inside it.
        XCTAssertGreaterThan(Double(between.filter { truth.voxels[$0] == 1 }.count), 0.85 * Double(between.count))
        XCTAssertGreaterThan(between.count, 7 * counts[middle] / 2)
    }

    func testBadArgumentsAreRefusedWithOneLine() throws {
        let folder = try temporary()
        let image = samples + "/ct_001.nii.gz"
        let neither = try runTermlabel(["segment", image, "--out", folder + "/x.nii.gz"])
        XCTAssertNotEqual(neither.status, 0)
        XCTAssertTrue(neither.err.contains("--scribbles or --clicks"), neither.err)
        // Scribbles on another grid.
        let other = try runTermlabel(["segment", image, "--scribbles", samples + "/labels/final/ct_002.nii.gz", "--out", folder + "/x.nii.gz"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.err.contains("not on the grid"), other.err)
        try Data(#"{"foreground": [[999, 0, 0]]}"#.utf8).write(to: URL(fileURLWithPath: folder + "/far.json"))
        let far = try runTermlabel(["segment", image, "--clicks", folder + "/far.json", "--out", folder + "/x.nii.gz"])
        XCTAssertEqual(far.status, 1)
        XCTAssertTrue(far.err.contains("outside the image"), far.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.nii.gz"))
    }
}

final class StudyListCLITests: XCTestCase {
    func testImportListAndStatusFilterOnACopyOfTheSamples() throws {
        let folder = NSTemporaryDirectory() + "termlabel-list-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("samples/mri-head").path, toPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let imported = try runTermlabel(["import", folder])
        XCTAssertEqual(imported.status, 0, imported.err)
        XCTAssertTrue(imported.out.hasPrefix("3 added, 0 changed, 0 missing, 0 back, 2 label versions registered"), imported.out)
        let again = try runTermlabel(["import", folder])
        XCTAssertTrue(again.out.hasPrefix("0 added, 0 changed, 0 missing, 0 back, 0 label versions"), again.out)

        let json = try runTermlabel(["list", folder, "--json"])
        let rows = try json.out.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(rows.map { $0["id"] as? String }, ["mr_001", "mr_002", "mr_003"])
        XCTAssertEqual(rows.map { $0["status"] as? String }, ["labeled", "labeled", "unlabeled"])
        XCTAssertEqual(rows[0]["labels"] as? [String: Int], ["final": 1])
        let unlabeled = try runTermlabel(["list", folder, "--status", "unlabeled"])
        XCTAssertTrue(unlabeled.out.contains("mr_003") && !unlabeled.out.contains("mr_001"), unlabeled.out)
        XCTAssertNotEqual(try runTermlabel(["list", folder, "--status", "done"]).status, 0)
        let missing = try runTermlabel(["list", folder + "/nowhere"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("not a folder"), missing.err)
    }
}
