// Training works end to end: a small 2D BasicUNet learns to find discs in noise, Adam on Dice + cross-entropy,
// and what it learnt survives a safetensors round trip.

import Engine
import Foundation
import Randomness
import XCTest

final class TrainingTests: XCTestCase {
    /// Noisy images with one bright disc each (random centre and radius), and the disc as labels.
    static func discs(count: Int, size: Int, seed: UInt64) -> (images: Tensor, labels: Tensor) {
        var generator = SplitMix(seed: seed)
        var images = Tensor.randomNormal([count, 1, size, size], std: 0.35, seed: seed &+ 1)
        var labels = Tensor(zeros: [count, 1, size, size])
        for n in 0..<count {
            let radius = 4 + generator.nextUnit() * Double(size) / 5
            let cx = radius + generator.nextUnit() * (Double(size) - 2 * radius), cy = radius + generator.nextUnit() * (Double(size) - 2 * radius)
            for y in 0..<size { for x in 0..<size {
                let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                if dx * dx + dy * dy <= radius * radius {
                    labels.data[(n * size + y) * size + x] = 1
                    images.data[(n * size + y) * size + x] += 1
                }
            } }
        }
        return (images, labels)
    }

    static func dice(_ logits: Tensor, _ labels: Tensor) -> Double {
        let s = logits.spatialCount
        var overlap = 0.0, predicted = 0.0, truth = 0.0
        for n in 0..<logits.batch {
            for i in 0..<s {
                let p = logits.data[(n * 2 + 1) * s + i] > logits.data[(n * 2) * s + i]
                let t = labels.data[n * s + i] > 0.5
                if p && t { overlap += 1 }
                if p { predicted += 1 }
                if t { truth += 1 }
            }
        }
        return 2 * overlap / max(predicted + truth, 1)
    }

    func testASmallUNetLearnsToSegmentDiscs() throws {
        let net = BasicUNet(spatialDims: 2, inChannels: 1, outChannels: 2, features: [8, 8, 16, 16, 32, 8], seed: 1)
        let optimizer = Optimizer.adam(net.parameters, learningRate: 1e-2)
        let validation = TrainingTests.discs(count: 8, size: 32, seed: 999)
        let before = TrainingTests.dice(net(Tape(recording: false), Variable(validation.images)).value, validation.labels)
        var losses: [Float] = []
        for step in 0..<60 {
            let batch = TrainingTests.discs(count: 4, size: 32, seed: UInt64(step))
            let tape = Tape(recording: true)
            let loss = tape.diceCE(logits: net(tape, Variable(batch.images)), labels: batch.labels)
            optimizer.zeroGradients()
            tape.backward(loss)
            optimizer.update()
            losses.append(loss.value.data[0])
        }
        let after = TrainingTests.dice(net(Tape(recording: false), Variable(validation.images)).value, validation.labels)
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, losses.prefix(5).reduce(0, +) / 5 * 0.5, "the loss falls")
        XCTAssertGreaterThan(after, 0.95, "validation Dice (it was \(before) before training)")

        // Saved and loaded into a fresh network, the weights give the same logits.
        let path = NSTemporaryDirectory() + "discs-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Safetensors.write(net.namedTensors, metadata: ["model": "discs"], to: path)
        let copy = BasicUNet(spatialDims: 2, inChannels: 1, outChannels: 2, features: [8, 8, 16, 16, 32, 8], seed: 2)
        let (tensors, metadata) = try Safetensors.read(path)
        XCTAssertEqual(metadata, ["model": "discs"])
        try copy.load(tensors, from: path)
        XCTAssertEqual(copy(Tape(recording: false), Variable(validation.images)).value,
                       net(Tape(recording: false), Variable(validation.images)).value)
    }
}

final class MCDropoutTests: XCTestCase {
    func testDropoutKeptOnAtInferenceVariesTheOutputAndOffDoesNot() {
        let net = BasicUNet(spatialDims: 2, inChannels: 1, outChannels: 2, features: [4, 4, 8, 8, 16, 4], dropout: 0.2, seed: 3)
        let x = Variable(Tensor.randomNormal([1, 1, 32, 32], seed: 4))
        let plain = net(Tape(recording: false), x).value
        XCTAssertEqual(net(Tape(recording: false), x).value, plain, "dropout off: deterministic")
        let a = net(Tape(recording: false, dropoutActive: true, seed: 1), x).value
        let b = net(Tape(recording: false, dropoutActive: true, seed: 2), x).value
        XCTAssertNotEqual(a, b, "another seed, another mask")
        XCTAssertEqual(net(Tape(recording: false, dropoutActive: true, seed: 1), x).value, a, "the same seed, the same mask")
        // About a fifth of the values are dropped at each layer: the passes spread around the plain output.
        let spread = zip(a.data, plain.data).map { abs($0 - $1) }.reduce(0, +) / Float(a.count)
        XCTAssertGreaterThan(spread, 1e-3)
    }
}
