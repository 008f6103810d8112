// Forward values and gradients against PyTorch (Fixtures/make_fixtures.py): every op, MONAI's DiceCELoss, and
// small MONAI BasicUNets in 2D and 3D loaded from their state dicts.

import Engine
import Foundation
import XCTest

final class GoldenTests: XCTestCase {
    static func fixture(_ name: String) throws -> [String: NamedTensor] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"))
        let tensors = try Safetensors.read(url.path).tensors
        return Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
    }

    /// Each value within 1e-4 of PyTorch's, relative to its size (or to the tensor's RMS for values near zero); a
    /// tensor that is zero up to rounding must be zero up to rounding here too.
    func assertClose(_ ours: Tensor, _ theirs: NamedTensor, _ what: String, tolerance: Double = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.count, theirs.tensor.count, "\(what): sizes", file: file, line: line)
        guard ours.count == theirs.tensor.count else { return }
        let reference = theirs.tensor.data
        let rms = (reference.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(reference.count, 1))).squareRoot()
        if rms < 1e-7 {
            // Zero in exact arithmetic (a conv bias right before instance norm): both sides are rounding noise.
            XCTAssertLessThan(ours.data.map { abs($0) }.max() ?? 0, 1e-6, "\(what): should be zero", file: file, line: line)
            return
        }
        var worst = 0.0, at = 0
        for n in 0..<reference.count {
            let error = abs(Double(ours.data[n]) - Double(reference[n])) / max(abs(Double(reference[n])), rms, 1e-12)
            if error > worst { worst = error; at = n }
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): worst at \(at): \(ours.data[at]) vs \(reference[at])", file: file, line: line)
    }

    func testEveryOpMatchesPyTorch() throws {
        let all = try GoldenTests.fixture("ops")
        let conv: (ConvOptions) -> (Tape, [String: Variable]) -> Variable = { options in
            { $0.conv($1["x"]!, weight: $1["w"]!, bias: $1["b"]!, options: options) }
        }
        let cases: [String: (Tape, [String: Variable]) -> Variable] = [
            "conv3d": conv(ConvOptions(padding: 1)),
            "conv3d_strided": conv(ConvOptions(stride: 2, padding: 2, dilation: 2)),
            "conv3d_k5": conv(ConvOptions(padding: 2)),
            "conv3d_pointwise": conv(ConvOptions()),
            "conv2d": conv(ConvOptions(stride: 2, padding: 1)),
            "convT3d": { $0.convTranspose($1["x"]!, weight: $1["w"]!, bias: $1["b"]!, options: ConvOptions(stride: 2)) },
            "convT2d": { $0.convTranspose($1["x"]!, weight: $1["w"]!, bias: $1["b"]!, options: ConvOptions(stride: 2, padding: 1, outputPadding: 1)) },
            "add": { $0.add($1["x"]!, $1["y"]!) },
            "mul": { $0.mul($1["x"]!, $1["y"]!) },
            "leaky_relu": { $0.leakyRelu($1["x"]!, slope: 0.1) },
            "prelu": { $0.prelu($1["x"]!, weight: $1["w"]!) },
            "sigmoid": { $0.sigmoid($1["x"]!) },
            "instance_norm": { $0.instanceNorm($1["x"]!, weight: $1["w"]!, bias: $1["b"]!) },
            "max_pool3d": { $0.maxPool($1["x"]!) },
            "max_pool2d": { $0.maxPool($1["x"]!) },
            "upsample_nearest": { $0.upsampleNearest($1["x"]!) },
            "upsample_trilinear": { $0.upsampleTrilinear($1["x"]!) },
            "upsample_trilinear_aligned": { $0.upsampleTrilinear($1["x"]!, alignCorners: true) },
            "softmax": { $0.softmax($1["x"]!) },
            "log_softmax": { $0.logSoftmax($1["x"]!) },
            "concat": { $0.concat([$1["x"]!, $1["y"]!]) },
            "mean": { $0.mean($1["x"]!) },
            "dice_ce": { $0.diceCE(logits: $1["x"]!, labels: all["dice_ce.labels"]!.tensor) },
        ]
        let running = RunningStatistics(channels: 3)
        var withBatchNorm = cases
        withBatchNorm["batch_norm"] = { $0.batchNorm($1["x"]!, weight: $1["w"]!, bias: $1["b"]!, running: running) }
        let names = Set(all.keys.compactMap { $0.hasSuffix(".out") ? String($0.dropLast(4)) : nil })
        XCTAssertEqual(names, Set(withBatchNorm.keys), "every reference case is run")
        for (name, forward) in withBatchNorm.sorted(by: { $0.key < $1.key }) {
            let inputNames = all.keys.filter { $0.hasPrefix(name + ".grad.") }.map { String($0.dropFirst(name.count + 6)) }
            let tape = Tape(recording: true)
            let inputs = Dictionary(uniqueKeysWithValues: inputNames.map { ($0, Variable(all["\(name).\($0)"]!.tensor, requiresGrad: true)) })
            let output = forward(tape, inputs)
            assertClose(output.value, all["\(name).out"]!, "\(name) output")
            if name != "batch_norm" {
                // Some ops take a faster path when nothing records (no argmax, no saved masks): same values.
                let inference = forward(Tape(recording: false), inputs.mapValues { Variable($0.value) })
                assertClose(inference.value, all["\(name).out"]!, "\(name) output in inference")
            }
            tape.backward(output, seed: all["\(name).R"]!.tensor)
            for (input, variable) in inputs {
                assertClose(variable.grad ?? Tensor(zeros: [0]), all["\(name).grad.\(input)"]!, "\(name) gradient of \(input)")
            }
        }
        assertClose(Tensor(shape: [3], data: running.mean), all["batch_norm.running_mean"]!, "running mean")
        assertClose(Tensor(shape: [3], data: running.variance), all["batch_norm.running_var"]!, "running variance")
    }

    func testBasicUNetMatchesMONAIForwardAndBackward() throws {
        try checkBasicUNets(try GoldenTests.fixture("basicunet"))
    }

    /// 20×36 and 18×20×40: MONAI pads the up-sampled map where an odd size was pooled.
    func testBasicUNetOnSizesThatAreNotMultiplesOf16MatchesMONAI() throws {
        // Float32 sums over 14,400 voxels per map: the deepest weight gradients land within 2e-4.
        try checkBasicUNets(try GoldenTests.fixture("basicunet_odd"), gradientTolerance: 2e-4)
    }

    func checkBasicUNets(_ all: [String: NamedTensor], gradientTolerance: Double = 1e-4) throws {
        for (dims, inChannels, features) in [(2, 3, [4, 4, 8, 8, 16, 4]), (3, 2, [2, 4, 4, 8, 8, 2])] {
            let prefix = "unet\(dims)d"
            let net = BasicUNet(spatialDims: dims, inChannels: inChannels, outChannels: 3, features: features)
            let weights = all.values.filter { $0.name.hasPrefix(prefix + ".weights.") }
                .map { NamedTensor(name: String($0.name.dropFirst(prefix.count + 9)), shape: $0.shape, tensor: $0.tensor) }
            XCTAssertEqual(Set(weights.map(\.name)), Set(net.parameters.map(\.name)), "state-dict names")
            try net.load(weights, from: "basicunet.safetensors")
            let tape = Tape(recording: true)
            let logits = net(tape, Variable(all[prefix + ".x"]!.tensor))
            assertClose(logits.value, all[prefix + ".out"]!, "\(prefix) logits")
            // Inference mode (norm and activation in place) computes the same logits.
            assertClose(net(Tape(recording: false), Variable(all[prefix + ".x"]!.tensor)).value, all[prefix + ".out"]!, "\(prefix) inference logits")
            let loss = tape.diceCE(logits: logits, labels: all[prefix + ".labels"]!.tensor)
            assertClose(loss.value, all[prefix + ".loss"]!, "\(prefix) loss")
            tape.backward(loss)
            for p in net.parameters {
                let ours = p.variable.grad ?? Tensor(zeros: [0])
                // A conv's bias right before instance norm has no effect, so its gradient is zero in exact
                // arithmetic: both sides hold rounding noise, which is not compared value by value.
                if p.name.hasSuffix(".conv.bias") && !p.name.hasPrefix("final_conv") {
                    let largest = all.values.filter { $0.name.hasPrefix(prefix + ".grad.") }.flatMap(\.tensor.data).map { abs($0) }.max() ?? 1
                    XCTAssertLessThan(ours.data.map { abs($0) }.max() ?? 0, 1e-4 * largest, "\(prefix) gradient of \(p.name) should be zero")
                    continue
                }
                assertClose(ours, all["\(prefix).grad.\(p.name)"]!, "\(prefix) gradient of \(p.name)", tolerance: gradientTolerance)
            }
        }
    }
}

final class OptimizerTests: XCTestCase {
    func testSGDAdamAndAdamWStepAsPyTorch() throws {
        let all = try GoldenTests.fixture("ops")
        let makers: [(String, ([Parameter]) -> Optimizer)] = [
            ("sgd", { Optimizer.sgd($0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) }),
            ("adam", { Optimizer.adam($0, learningRate: 0.1, weightDecay: 0.01) }),
            ("adamw", { Optimizer.adamW($0, learningRate: 0.1, weightDecay: 0.01) }),
        ]
        for (name, make) in makers {
            let parameter = Parameter(name: "p", shape: [5], variable: Variable(all["optim.start"]!.tensor, requiresGrad: true))
            let optimizer = make([parameter])
            for n in 0..<3 {
                optimizer.zeroGradients()
                parameter.variable.grad = all["optim.grad\(n)"]!.tensor
                optimizer.update()
            }
            let expected = all["optim.\(name)"]!.tensor.data
            for (a, b) in zip(parameter.variable.value.data, expected) { XCTAssertEqual(a, b, accuracy: 1e-5, name) }
        }
    }

    func testTheScheduleSetsTheLearningRate() {
        let parameter = Parameter(name: "p", shape: [1], variable: Variable(Tensor(shape: [1], data: [1]), requiresGrad: true))
        let optimizer = Optimizer.sgd([parameter], learningRate: 1, momentum: 0)
        optimizer.schedule = { step in step == 1 ? 0.5 : 0.25 }
        for _ in 0..<2 {
            parameter.variable.grad = Tensor(shape: [1], data: [1])
            optimizer.update()
        }
        XCTAssertEqual(parameter.variable.value.data[0], 1 - 0.5 - 0.25)
        XCTAssertEqual(optimizer.learningRate, 0.25)
    }
}

final class SafetensorsTests: XCTestCase {
    func path() -> String {
        let p = NSTemporaryDirectory() + "st-\(UUID().uuidString).safetensors"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: p) }
        return p
    }

    func testRoundTripKeepsNamesShapesAndBytes() throws {
        let p = path()
        let a = NamedTensor(name: "conv.weight", shape: [2, 1, 3, 3], tensor: Tensor.randomNormal([2, 1, 3, 3], seed: 1))
        let b = NamedTensor(name: "conv.bias", shape: [2], tensor: Tensor(shape: [2], data: [-0.0, .infinity]))
        try Safetensors.write([a, b], metadata: ["format": "pt"], to: p)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: p))
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual((8 + headerLength) % 8, 0, "data starts 8-byte aligned")
        XCTAssertEqual(data.count, 8 + headerLength + (18 + 2) * 4)
        let (tensors, metadata) = try Safetensors.read(p)
        XCTAssertEqual(metadata, ["format": "pt"])
        XCTAssertEqual(tensors.map(\.name), ["conv.bias", "conv.weight"])
        XCTAssertEqual(tensors[1].shape, [2, 1, 3, 3])
        XCTAssertEqual(tensors[1].tensor.data, a.tensor.data)
        XCTAssertEqual(tensors[0].tensor.data.map(\.bitPattern), b.tensor.data.map(\.bitPattern))
    }

    func testBadFilesAndMismatchedWeightsAreClearErrors() throws {
        let p = path()
        func expect(_ bytes: [UInt8], _ reason: String) {
            XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data(bytes)), p)
            XCTAssertThrowsError(try Safetensors.read(p)) { error in
                XCTAssertTrue("\(error)".hasPrefix(p + ": ") && "\(error)".contains(reason), "\(error)")
            }
        }
        expect([1, 2, 3], "shorter than its 8-byte header length")
        expect([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), "beyond the file")
        let header = Array(#"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#.utf8)
        expect([UInt8(header.count), 0, 0, 0, 0, 0, 0, 0] + header + [UInt8](repeating: 0, count: 8), "w is I64")
        let short = Array(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#.utf8)
        expect([UInt8(short.count), 0, 0, 0, 0, 0, 0, 0] + short + [UInt8](repeating: 0, count: 8), "do not fit")

        // A state dict of another shape or with missing names does not load.
        let net = BasicUNet(spatialDims: 2, inChannels: 1, outChannels: 2, features: [2, 2, 2, 2, 2, 2])
        var tensors = net.namedTensors
        tensors[0].shape = [2, 3, 3, 3]
        XCTAssertThrowsError(try net.load(tensors, from: "w.safetensors")) {
            XCTAssertEqual("\($0)", "w.safetensors: conv_0.conv_0.conv.weight has shape [2, 3, 3, 3], the model needs [2, 1, 3, 3]")
        }
        XCTAssertThrowsError(try net.load(Array(net.namedTensors.dropLast()), from: "w.safetensors")) {
            XCTAssertEqual("\($0)", "w.safetensors: no tensor final_conv.bias")
        }
    }
}
