// Files that lie or break: each gives a typed error naming the file, never a crash or a huge allocation.

import Foundation
import Randomness
import Volume
import XCTest

final class BadInputTests: XCTestCase {
    func testMissingFileAndFolder() throws {
        XCTAssertThrowsError(try Volume(contentsOf: "/nonexistent/a.nii.gz")) { error in
            XCTAssertEqual(error as? VolumeError, .fileNotFound(path: "/nonexistent/a.nii.gz"))
        }
        let folder = try temporaryFolder()
        XCTAssertThrowsError(try Volume(contentsOf: folder)) { error in
            XCTAssertEqual((error as? VolumeError)?.path, folder)
        }
    }

    func testTruncatedGzipStream() throws {
        let folder = try temporaryFolder()
        let path = folder + "/whole.nii.gz"
        var volume = indexVolume(shape: [40, 40, 40], affine: .identity)
        var generator = SplitMix(seed: 7)
        volume.voxels = volume.voxels.map { _ in Float.random(in: 0...1000, using: &generator).rounded() }
        try volume.write(to: path, datatype: .int16)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = folder + "/cut.nii.gz"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        XCTAssertThrowsError(try Volume(contentsOf: cut)) { error in
            guard let error = error as? VolumeError else { return XCTFail("untyped \(error)") }
            XCTAssertEqual(error.path, cut)
            XCTAssertTrue(error.reason.contains("ends early") || error.reason.contains("truncated"), error.description)
        }
        // Corrupt bytes in the middle of the deflate stream.
        var broken = bytes
        for n in stride(from: 200, to: broken.count - 20, by: 7) { broken[n] ^= 0x5a }
        let corrupt = folder + "/corrupt.nii.gz"
        try broken.write(to: URL(fileURLWithPath: corrupt))
        XCTAssertThrowsError(try Volume(contentsOf: corrupt)) { error in
            XCTAssertEqual((error as? VolumeError)?.path, corrupt)
        }
    }

    func testAHugeClaimInsideGzipIsRefusedBeforeAllocating() throws {
        // 30000³ int16 would be 54 TB; the compressed file cannot hold it.
        let source = try Data(contentsOf: URL(fileURLWithPath: conformanceFolder + "/broken_dims_huge.nii"))
        let folder = try temporaryFolder()
        let plain = folder + "/huge.nii"
        try source.write(to: URL(fileURLWithPath: plain))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-f", plain]
        try process.run()
        process.waitUntilExit()
        XCTAssertThrowsError(try Volume(contentsOf: plain + ".gz")) { error in
            guard case .truncated = error as? VolumeError else { return XCTFail("\(error)") }
        }
    }

    func testFourDimensionalFilesExposeTheirVolumes() throws {
        let file = try NiftiFile.open(conformanceFolder + "/example4d.nii.gz")
        XCTAssertEqual(file.volumeCount, 2)
        let first = try file.readVolume()
        let second = try file.readVolume(1)
        XCTAssertEqual(first.shape, [128, 96, 24])
        XCTAssertNotEqual(first.voxels, second.voxels)
        XCTAssertThrowsError(try file.readVolume(2)) { error in
            XCTAssertEqual(error as? VolumeError, .volumeIndexOutOfRange(path: file.path, index: 2, count: 2))
        }
    }

    func testNonLabelValuesAreRefusedAsLabels() throws {
        XCTAssertThrowsError(try LabelVolume(contentsOf: conformanceFolder + "/f32_pas.nii.gz"))
        XCTAssertEqual(try LabelVolume(contentsOf: conformanceFolder + "/u8_label_ras.nii.gz").labelsPresent, [1, 2])
    }
}
