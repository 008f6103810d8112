// Headers that once crashed a reader or the code after it: each file is made here from a good one with one field
// changed, and must be refused with the file's name and the field, never trap or allocate without bound.

import Foundation
import Volume
import XCTest

final class HostileHeaderTests: XCTestCase {
    /// A small good NIfTI-1 file (int16, sform set), with `patch` applied to its bytes.
    func file(_ name: String, _ patch: (inout Data) -> Void) throws -> String {
        let folder = try temporaryFolder(name)
        let path = folder + "/\(name).nii"
        try indexVolume(shape: [6, 5, 4], affine: .scaling(2, 2, 3)).write(to: path, datatype: .int16)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        patch(&data)
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
    }

    func put(_ value: Float, at offset: Int, in data: inout Data) { put(value.bitPattern, at: offset, in: &data) }

    func assertRefused(_ path: String, mentioning words: String, file: StaticString = #filePath, line: UInt = #line) {
        for read in [{ _ = try Volume(contentsOf: path) }, { _ = try ImageSummary(path: path) }] {
            XCTAssertThrowsError(try read(), file: file, line: line) { error in
                XCTAssertEqual((error as? VolumeError)?.path, path, "\(error)", file: file, line: line)
                XCTAssertTrue("\(error)".contains(words), "\(error)", file: file, line: line)
            }
        }
    }

    func testVoxelSizesThatAreNotSizesAreRefused() throws {
        // NIfTI-1 pixdim[1] is the float at byte 80.
        for (name, value) in [("nan", Float.nan), ("inf", Float.infinity), ("tiny", 1e-38)] {
            assertRefused(try file("pixdim-\(name)") { put(value, at: 80, in: &$0) }, mentioning: "pixdim[1]")
        }
    }

    func testScalingsBeyondFloatAreRefused() throws {
        // scl_slope is the float at byte 112.
        assertRefused(try file("slope") { put(Float(3e38), at: 112, in: &$0) }, mentioning: "scl_slope")
    }

    func testAnAffineOutOfThisWorldIsRefused() throws {
        // srow_x starts at byte 280; the sform code (254) is set by the writer.
        assertRefused(try file("sform") { put(Float(3e38), at: 280, in: &$0) }, mentioning: "affine")
        assertRefused(try file("flat") { for n in 0..<4 { put(Float(0), at: 280 + 4 * n, in: &$0) } }, mentioning: "determinant")
    }

    func testANIfTI2OffsetNearTheEndOfIntegersIsRefused() throws {
        let folder = try temporaryFolder()
        let path = folder + "/offset.nii"
        var data = try Data(contentsOf: URL(fileURLWithPath: conformanceFolder + "/example_nifti2.nii.gz"))
        data = try gunzip(data)
        // NIfTI-2 vox_offset is the int64 at byte 168.
        put(Int64.max - 10, at: 168, in: &data)
        try data.write(to: URL(fileURLWithPath: path))
        assertRefused(path, mentioning: "vox_offset")
    }

    func testAVolumeLargerThanTheBudgetIsRefusedBeforeReading() throws {
        let saved = MemoryBudget.bytes
        defer { MemoryBudget.bytes = saved }
        let path = try file("budget") { _ in }
        MemoryBudget.bytes = 400  // 120 voxels as Float32 take 480 bytes
        assertRefused(path, mentioning: "too large: reading it needs")
        XCTAssertNoThrow(try LabelVolume(contentsOf: path), "as labels the same voxels take 240 bytes")
        MemoryBudget.bytes = 200
        XCTAssertThrowsError(try LabelVolume(contentsOf: path)) { XCTAssertTrue("\($0)".contains("too large"), "\($0)") }
        MemoryBudget.bytes = 480
        XCTAssertNoThrow(try Volume(contentsOf: path))
        XCTAssertEqual(MemoryBudget.parse("4G"), 4 << 30)
        XCTAssertEqual(MemoryBudget.parse("512m"), 512 << 20)
        XCTAssertNil(MemoryBudget.parse("lots"))
    }

    func gunzip(_ data: Data) throws -> Data {
        let folder = try temporaryFolder()
        let path = folder + "/x.gz"
        try data.write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-d", "-f", path]
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: URL(fileURLWithPath: folder + "/x"))
    }
}
