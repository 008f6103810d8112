// Writing then reading gives back the same voxels, datatype and geometry.

import Foundation
import Randomness
import Volume
import XCTest

final class RoundTripTests: XCTestCase {
    func testEveryDatatypeRoundTripsUnchanged() throws {
        let folder = try temporaryFolder()
        let grid = Grid(shape: [7, 5, 3], affine: Affine(rows: [[-0.8, 0, 0, 10], [0, -0.8, 0, 20], [0, 0, 2.5, -30], [0, 0, 0, 1]]))
        for type in VoxelType.allCases {
            let range = type.representableRange
            // Values across the type's range (limited to what Float32 holds exactly).
            let lo = max(range.lowerBound, -16_000_000), hi = min(range.upperBound, 16_000_000)
            let voxels = (0..<grid.voxelCount).map { n -> Float in
                let t = Double(n) / Double(grid.voxelCount - 1)
                let v = lo + (hi - lo) * t
                return type.isInteger ? Float(v.rounded(.down)) : Float(v) + 0.25
            }
            let header = ImageHeader(datatype: type, dims: grid.shape, zooms: grid.spacingMM)
            let volume = Volume(grid: grid, voxels: voxels, header: header)
            for ext in [".nii", ".nii.gz"] {
                let path = folder + "/\(type.name)\(ext)"
                try volume.write(to: path)
                let back = try Volume(contentsOf: path)
                XCTAssertEqual(back.header.datatype, type, path)
                XCTAssertEqual(back.voxels, voxels, path)
                XCTAssertEqual(back.shape, grid.shape)
                XCTAssertTrue(back.affine.isApproximatelyEqual(to: grid.affine, tolerance: 1e-6), path)
            }
        }
    }

    func testScaledIntegersKeepTheirScaling() throws {
        let source = try Volume(contentsOf: conformanceFolder + "/i16_scaled.nii")
        let path = try temporaryFolder() + "/scaled.nii.gz"
        try source.write(to: path)
        let back = try Volume(contentsOf: path)
        XCTAssertEqual(back.header.sclSlope, 0.5)
        XCTAssertEqual(back.header.sclInter, -1024)
        XCTAssertTrue(back.voxels == source.voxels)
    }

    func testLabelWrittenForAnImageHasItsExactGeometry() throws {
        let folder = try temporaryFolder()
        for name in ["i32_oblique.nii.gz", "i16_lps.nii.gz", "u16_qform_only.nii.gz", "anatomical.nii", "f32_pas.nii.gz"] {
            let image = try NiftiFile.open(conformanceFolder + "/" + name)
            var label = LabelVolume(grid: image.grid)
            label[1, 2, 3] = 1
            label[0, 0, 0] = 300
            let path = folder + "/label-\(name.split(separator: ".")[0]).nii.gz"
            try label.write(to: path)
            let back = try NiftiFile.open(path)
            XCTAssertEqual(back.grid.affine, image.grid.affine, name)
            XCTAssertEqual(back.grid.geometry.sformCode, image.grid.geometry.sformCode, name)
            XCTAssertEqual(back.grid.geometry.qformCode, image.grid.geometry.qformCode, name)
            XCTAssertEqual(back.grid.geometry.sform, image.grid.geometry.sform, name)
            for (a, b) in [(back.grid.geometry.quaternB, image.grid.geometry.quaternB),
                           (back.grid.geometry.quaternC, image.grid.geometry.quaternC),
                           (back.grid.geometry.quaternD, image.grid.geometry.quaternD),
                           (back.grid.geometry.qoffsetX, image.grid.geometry.qoffsetX),
                           (back.grid.geometry.qfac, image.grid.geometry.qfac)] {
                XCTAssertEqual(a, b, accuracy: 1e-6, name)
            }
            XCTAssertEqual(back.grid.geometry.xyzUnits, image.grid.geometry.xyzUnits, name)
            let labels = try back.readLabels()
            XCTAssertTrue(labels.voxels == label.voxels, name)
            XCTAssertEqual(back.header.datatype, .uint16, "a label above 255 needs 16 bits")
        }
    }

    func testAnUncompressedTwinBesideTheFileIsIgnored() throws {
        // nifti_clib alone would read "x.nii" when asked for "x.nii.gz" if both exist.
        let folder = try temporaryFolder()
        let grid = Grid(shape: [4, 4, 4], affine: .identity)
        try Volume(grid: grid, voxels: [Float](repeating: 7, count: 64)).write(to: folder + "/x.nii.gz")
        try Volume(grid: grid, voxels: [Float](repeating: 1, count: 64)).write(to: folder + "/x.nii")
        XCTAssertEqual(try Volume(contentsOf: folder + "/x.nii.gz").voxels.first, 7)
        XCTAssertEqual(try Volume(contentsOf: folder + "/x.nii").voxels.first, 1)
    }

    func testNiftiTwoStaysNiftiTwo() throws {
        let source = try Volume(contentsOf: conformanceFolder + "/example_nifti2.nii.gz", volumeIndex: 1)
        let path = try temporaryFolder() + "/two.nii"
        try source.write(to: path)
        let back = try NiftiFile.open(path)
        XCTAssertEqual(back.header.niftiVersion, 2)
        XCTAssertTrue(try back.readVolume().voxels == source.voxels)
    }

    func testWritingLeavesNoTemporaryFileAndReplacesAtomically() throws {
        let folder = try temporaryFolder()
        let path = folder + "/a.nii.gz"
        let grid = Grid(shape: [3, 3, 3], affine: .identity)
        try LabelVolume(grid: grid).write(to: path)
        var label = LabelVolume(grid: grid)
        label[1, 1, 1] = 2
        try label.write(to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["a.nii.gz"])
        XCTAssertEqual(try LabelVolume(contentsOf: path)[1, 1, 1], 2)
        XCTAssertThrowsError(try label.write(to: folder + "/missing/a.nii.gz")) { error in
            XCTAssertTrue("\(error)".contains("missing/a.nii.gz"))
        }
        XCTAssertThrowsError(try label.write(to: folder + "/a.png"))
    }
}

final class GzipTests: XCTestCase {
    func testLargeFilesAreWrittenInParallelMembersThatReadBackWhole() throws {
        let folder = try temporaryFolder()
        let grid = Grid(shape: [160, 160, 100], affine: .identity)   // 10 MB of float32, more than one part
        var random = SplitMix(seed: 7)
        let voxels = (0..<grid.voxelCount).map { n in Float(n % 977) + Float(UInt8.random(in: 0...3, using: &random)) }
        let path = folder + "/big.nii.gz"
        try Volume(grid: grid, voxels: voxels).write(to: path)
        XCTAssertTrue(try Volume(contentsOf: path).voxels == voxels)
        // The gzip tool agrees on the whole content.
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-t", path]
        try gunzip.run()
        gunzip.waitUntilExit()
        XCTAssertEqual(gunzip.terminationStatus, 0)
    }

    func testPaddingAfterTheLastMemberIsIgnored() throws {
        let folder = try temporaryFolder()
        let path = folder + "/padded.nii.gz"
        let volume = indexVolume(shape: [6, 5, 4], affine: .identity)
        try volume.write(to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.append(Data(repeating: 0, count: 512))
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Volume(contentsOf: path).voxels, volume.voxels)
    }
}
