// Inputs that once trapped the engine: a safetensors shape whose element count overflows, and a BasicUNet input
// whose size is not a multiple of 16 (MONAI pads those inside; so must we).

import Engine
import Foundation
import XCTest

final class HostileInputTests: XCTestCase {
    func testAShapeWhoseCountOverflowsIsRefused() throws {
        let path = NSTemporaryDirectory() + "hostile-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let header = #"{"w": {"dtype": "F32", "shape": [2147483648, 2147483648, 2147483648, 1, 1], "data_offsets": [0, 4]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(Data(count: 4))
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Safetensors.read(path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path + ": ") && "\(error)".contains("is no tensor's"), "\(error)")
        }
    }

    func testSizesThatAreNotMultiplesOf16GoThroughAsInMONAI() {
        let network = BasicUNet(spatialDims: 3, inChannels: 3, outChannels: 2, features: [4, 4, 8, 8, 16, 4], seed: 1)
        // 40 → 20 → 10 → 5 → 2: the last up-sampling gives 4 where the encoder has 5, and 36 → … → 9 → 4 gives 8 for 9.
        let x = Tensor.randomUniform([1, 3, 40, 36, 32], low: -1, high: 1, seed: 2)
        let logits = network(Tape(recording: false), Variable(x)).value
        XCTAssertEqual(logits.shape, [1, 2, 40, 36, 32])
        XCTAssertTrue(logits.data.allSatisfy(\.isFinite))
        // The padded plane repeats the last one: the map that reaches the last encoder plane is its neighbour's.
        let tape = Tape(recording: false)
        let small = Variable(Tensor(shape: [1, 1, 1, 2, 2], data: [1, 2, 3, 4]))
        XCTAssertEqual(tape.padEnd(small, to: [1, 3, 3]).value.data, [1, 2, 2, 3, 4, 4, 3, 4, 4])
    }
}
