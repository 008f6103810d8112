// Every file of the NIfTI conformance set in Fixtures/conformance, and of the extra set in Fixtures/nifti (other datatypes,
// orientations, a 5D file, a .hdr/.img pair, NIfTI-2, no codes at all), must read as nibabel reads it
// (expected.json), and every broken file must be refused with a typed error that names it.

import Foundation
import Volume
import XCTest

final class ConformanceTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/conformance")

    static let extraFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nifti")

    func loadCases(in folder: URL = folder) throws -> [String: [String: Any]] {
        let url = folder.appendingPathComponent("expected.json")
        // nibabel writes NaN as a bare token, which JSONSerialization refuses: quote it.
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "NaN", with: "\"NaN\"")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return try XCTUnwrap(root["cases"] as? [String: [String: Any]])
    }

    func testEveryFileReadsAsNibabelReadsIt() throws {
        let cases = try loadCases()
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        try checkAgainstNibabel(cases, in: Self.folder)
    }

    func testExtraFilesReadAsNibabelReadsThem() throws {
        let cases = try loadCases(in: Self.extraFolder)
        XCTAssertGreaterThanOrEqual(cases.count, 11)
        try checkAgainstNibabel(cases, in: Self.extraFolder)
    }

    func checkAgainstNibabel(_ cases: [String: [String: Any]], in folder: URL) throws {
        for (name, expected) in cases.sorted(by: { $0.key < $1.key }) where expected["error"] == nil {
            let path = folder.appendingPathComponent(name).path
            let file = try NiftiFile.open(path)
            XCTAssertEqual(file.header.dims, ints(expected["shape"]), name)
            XCTAssertEqual(Int(file.header.datatype.niftiCode), expected["datatype_code"] as? Int, name)
            XCTAssertEqual(file.header.numpyDatatype, expected["datatype"] as? String, name)
            XCTAssertEqual(file.header.niftiVersion, (expected["format"] as? String) == "nifti2" ? 2 : 1, name)
            assertClose(file.header.zooms, doubles(expected["zooms"]), relative: 1e-6, name + " zooms")
            let affine = (expected["affine"] as! [[Any]]).flatMap { doubles($0) }
            assertClose(file.grid.affine.values, affine, absolute: 1e-4, name + " affine")
            XCTAssertEqual(Int(file.grid.geometry.sformCode), expected["sform_code"] as? Int, name)
            XCTAssertEqual(Int(file.grid.geometry.qformCode), expected["qform_code"] as? Int, name)
            XCTAssertEqual(file.header.sclSlope, double(expected["scl_slope"]), accuracy: 1e-9, name)
            XCTAssertEqual(file.header.sclInter, double(expected["scl_inter"]), accuracy: 1e-9, name)
            XCTAssertEqual(file.grid.orientation.axcodes, (expected["axcodes"] as! [String]).joined(), name)
            let summary = try ImageSummary(path: path)
            XCTAssertEqual(summary.canonicalShape, ints(expected["canonical_shape"]), name)

            // Data: every volume, in file order (i fastest, then j, k, then the volume index).
            var all = [Float]()
            for index in 0..<file.volumeCount { all += try file.readVolume(index).voxels }
            XCTAssertEqual(all.count, ints(expected["shape"]).reduce(1, *), name)
            let stats = IntensityStatistics(all)
            var squares = 0.0
            for v in all { squares += Double(v) * Double(v) }
            assertClose([stats.sum, squares, stats.min, stats.max],
                        [double(expected["sum"]), double(expected["sum_sq"]), double(expected["min"]), double(expected["max"])],
                        relative: 1e-5, name + " sum/sum_sq/min/max")
            XCTAssertEqual(summary.statistics.sum.isNaN, stats.sum.isNaN)
            for (key, value) in expected["samples_fortran_order"] as! [String: Any] {
                assertClose([Double(all[Int(key)!])], [double(value)], relative: 1e-5, "\(name) value at \(key)")
            }
        }
    }

    func testEveryBrokenFileIsRefusedWithItsName() throws {
        let cases = try loadCases()
        let broken = cases.filter { $0.value["error"] as? Bool == true }.keys.sorted()
        XCTAssertGreaterThanOrEqual(broken.count, 8)
        for name in broken {
            let path = Self.folder.appendingPathComponent(name).path
            XCTAssertThrowsError(try Volume(contentsOf: path), name) { error in
                guard let error = error as? VolumeError else { return XCTFail("\(name): untyped error \(error)") }
                XCTAssertEqual(error.path, path)
                XCTAssertTrue(error.description.hasPrefix(path + ": "), error.description)
            }
        }
    }

    // MARK: - helpers

    func double(_ any: Any?) -> Double {
        if let s = any as? String, s == "NaN" { return .nan }
        return (any as? NSNumber)?.doubleValue ?? .nan
    }

    func doubles(_ any: Any?) -> [Double] { (any as? [Any] ?? []).map(double) }
    func ints(_ any: Any?) -> [Int] { (any as? [Any] ?? []).map { ($0 as! NSNumber).intValue } }

    func assertClose(_ a: [Double], _ b: [Double], relative: Double = 0, absolute: Double = 0, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (x, y) in zip(a, b) {
            if x.isNaN && y.isNaN { continue }
            let tolerance = max(absolute, relative * abs(y))
            XCTAssertTrue(abs(x - y) <= tolerance, "\(what): \(a) vs \(b)", file: file, line: line)
        }
    }
}
