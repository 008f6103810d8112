// NRRD as 3D Slicer writes it (LPS space, attached data, raw or gzip) read into the RAS+ grid the project uses,
// and NRRD written here read back with its geometry; broken files named with their problem.

import Foundation
import Volume
import XCTest

final class NrrdTests: XCTestCase {
    let folder = NSTemporaryDirectory() + "termlabel-nrrd-\(getpid())"

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func write(_ name: String, header: String, data: Data) throws -> String {
        let path = folder + "/" + name
        try (Data(header.utf8) + data).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testSlicersLPSHeaderBecomesTheRASAffine() throws {
        // 3×2×2 big-endian shorts; Slicer's LPS directions with 0.5 × 0.75 × 2 mm voxels and an oblique first axis.
        let values: [Int16] = [0, 1, 2, 3, 4, 5, -6, 7, 8, 9, 10, 300]
        var data = Data()
        for v in values { withUnsafeBytes(of: v.bigEndian) { data.append(contentsOf: $0) } }
        let path = try write("slicer.nrrd", header: """
            NRRD0004
            # Complete NRRD file format specification at:
            type: short
            dimension: 3
            space: left-posterior-superior
            sizes: 3 2 2
            space directions: (0.3,0.4,0) (0,0.75,0) (0,0,2)
            kinds: domain domain domain
            endian: big
            encoding: raw
            space origin: (10,-20,30)
            Segment0_Name:=liver


            """, data: data)
        let image = try NrrdFile.readVolume(path)
        XCTAssertEqual(image.shape, [3, 2, 2])
        XCTAssertEqual(image.voxels, values.map(Float.init))
        // RAS = diag(-1, -1, 1) · LPS.
        XCTAssertEqual(image.grid.affine.rows, [[-0.3, 0, 0, -10], [-0.4, -0.75, 0, 20], [0, 0, 2, 30], [0, 0, 0, 1]])
        XCTAssertEqual(image.spacingMM[0], 0.5, accuracy: 1e-12)
    }

    func testALabelWrittenAsNrrdReadsBackWithItsGeometry() throws {
        let affine = Affine(rows: [[0, 0, -3, 40], [-1.5, 0, 0, 12], [0, 1.25, 0, -7.5], [0, 0, 0, 1]])
        var label = LabelVolume(grid: Grid(shape: [5, 4, 3], affine: affine))
        for n in label.voxels.indices { label.voxels[n] = UInt16(n % 4) }
        label.voxels[7] = 999
        for compressed in [true, false] {
            let path = folder + "/label-\(compressed).nrrd"
            try label.writeNrrd(to: path, compressed: compressed)
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)).prefix(300), as: UTF8.self)
            XCTAssertTrue(text.contains("type: uint16\n"), text)
            XCTAssertTrue(text.contains("encoding: \(compressed ? "gzip" : "raw")\n"), text)
            let back = try LabelVolume(contentsOfAnyFormat: path)
            XCTAssertEqual(back.grid.affine, affine)
            XCTAssertEqual(back.voxels, label.voxels)
        }
    }

    func testBrokenFilesAreNamedWithTheirProblem() throws {
        let header = "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\nencoding: %@\n\n"
        let cases: [(String, String, Data, String)] = [
            ("detached.nrrd", "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\ndata file: other.raw\nencoding: raw\n\n", Data(), "detached"),
            ("4d.nrrd", "NRRD0004\ntype: uchar\ndimension: 4\nsizes: 2 2 2 2\nencoding: raw\n\n", Data(count: 16), "only 3D"),
            ("bzip.nrrd", String(format: header, "bzip2"), Data(count: 8), "not raw or gzip"),
            ("short.nrrd", String(format: header, "raw"), Data(count: 5), "truncated"),
            ("badgzip.nrrd", String(format: header, "gzip"), Data([0x1f, 0x8b, 1, 2, 3]), "gzip"),
            ("sizes.nrrd", "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 -2 2\nencoding: raw\n\n", Data(count: 8), "sizes"),
            ("space.nrrd", "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nencoding: raw\n\n", Data(count: 8), "space"),
            ("noheaderend.nrrd", "NRRD0004\ntype: uchar\n", Data(), "never ends"),
            ("notnrrd.nrrd", "P6 2 2 255\n", Data(count: 12), "not a NRRD file"),
        ]
        for (name, text, data, expected) in cases {
            let path = try write(name, header: text, data: data)
            XCTAssertThrowsError(try NrrdFile.readLabels(path), name) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(path), message)
                XCTAssertTrue(message.contains(expected), "\(name): \(message)")
            }
        }
        // Values a label map cannot hold.
        let fractional = try write("float.nrrd", header: "NRRD0004\ntype: float\ndimension: 3\nsizes: 1 1 1\nencoding: raw\nendian: little\n\n",
                                   data: withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian) { Data($0) })
        XCTAssertThrowsError(try NrrdFile.readLabels(fractional)) { XCTAssertTrue("\($0)".contains("not a whole number"), "\($0)") }
    }
}
