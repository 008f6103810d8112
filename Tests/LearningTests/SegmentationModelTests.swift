// A model file carries its configuration; plain BasicUNet weights (as a MONAI state dict converted to
// safetensors has them) load when a configuration is given; bad files give errors naming the file.

import Engine
import Learning
import XCTest

final class SegmentationModelTests: XCTestCase {
    let labels = [ModelLabel(value: 1, name: "liver"), ModelLabel(value: 3, name: "kidney")]

    func temporary(_ name: String) -> String { NSTemporaryDirectory() + "\(name)-\(UUID().uuidString).safetensors" }

    func smallConfig(_ kind: ModelKind) -> ModelConfig {
        var c = ModelConfig.defaults(kind, labels: labels, modality: "CT")
        c.features = [4, 4, 8, 8, 16, 4]
        c.patch = kind == .deepgrow2d ? [32, 32, 1] : [32, 32, 16]
        c.window = nil
        return c
    }

    func testASavedModelLoadsWithItsConfigurationAndGivesTheSameOutput() throws {
        for kind in ModelKind.allCases {
            let model = try SegmentationModel(config: smallConfig(kind), seed: 5)
            let path = temporary(kind.rawValue)
            defer { try? FileManager.default.removeItem(atPath: path) }
            try model.save(to: path)
            let loaded = try SegmentationModel.load(path)
            XCTAssertEqual(loaded.config, model.config)
            let size = model.config.patch
            let x = Tensor.randomNormal([1, model.config.inChannels, size[2], size[1], size[0]], seed: 9)
            XCTAssertEqual(loaded.probabilities(x), model.probabilities(x), kind.rawValue)
            // DeepGrow's defaults add the foreground clicks' connectivity to MONAI's image and two guidance maps.
            XCTAssertEqual(model.config.inChannels, [ModelKind.deepgrow2d: 4, .deepgrow3d: 4, .deepedit: 4, .auto: 1][kind])
            XCTAssertEqual(model.config.outChannels, kind.isDeepGrow ? 2 : 3)
        }
        var monai = smallConfig(.deepgrow3d)
        monai.clickConnectivity = nil
        XCTAssertEqual(monai.inChannels, 3, "MONAI's DeepGrow: image, foreground, background")
        var edit = smallConfig(.deepedit)
        edit.clickConnectivity = true
        XCTAssertEqual(edit.inChannels, 6, "image, two labels and background, then each label's connectivity")
    }

    func testPlainBasicUNetWeightsNeedAConfiguration() throws {
        let config = smallConfig(.auto)
        let net = BasicUNet(spatialDims: 3, inChannels: 1, outChannels: 3, features: config.features, seed: 3)
        let path = temporary("plain")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Safetensors.write(net.namedTensors, to: path)
        XCTAssertThrowsError(try SegmentationModel.load(path)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("no termlabel configuration"), "\(error)")
        }
        let model = try SegmentationModel.load(path, config: config)
        let x = Tensor.randomNormal([1, 1, 16, 32, 32], seed: 1)
        let tape = Tape(recording: false)
        XCTAssertEqual(model.probabilities(x), tape.softmax(net(tape, Variable(x))).value)
        // Another width: an error naming the tensor and the file.
        var wider = config
        wider.features = [8, 8, 8, 8, 16, 8]
        XCTAssertThrowsError(try SegmentationModel.load(path, config: wider)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("conv_0"), "\(error)")
        }
    }

    func testABadConfigurationIsRefused() {
        var c = smallConfig(.deepgrow3d)
        c.patch = [30, 32, 16]
        XCTAssertThrowsError(try SegmentationModel(config: c)) { error in
            XCTAssertTrue("\(error)".contains("multiples of 16"), "\(error)")
        }
    }

    func testConfigurationsThatAskForTheImpossibleAreRefusedBeforeAllocating() {
        var wide = smallConfig(.deepgrow3d)
        wide.features = [100_000, 4, 8, 8, 16, 4]
        var huge = smallConfig(.deepgrow3d)
        huge.patch = [4096, 4096, 4096]
        var fine = smallConfig(.deepgrow3d)
        fine.spacingMM = [1e-300, 1, 1]
        var nan = smallConfig(.deepgrow3d)
        nan.spacingMM = [.nan, 1, 1]
        for (config, words) in [(wide, "features"), (huge, "up to 1024"), (fine, "spacing"), (nan, "spacing")] {
            XCTAssertThrowsError(try SegmentationModel(config: config), words) { XCTAssertTrue("\($0)".contains(words), "\($0)") }
        }
        var large = smallConfig(.deepgrow3d)
        large.features = [4096, 4096, 4096, 4096, 4096, 4096]
        XCTAssertThrowsError(try SegmentationModel(config: large)) { XCTAssertTrue("\($0)".contains("too large"), "\($0)") }
    }

    func testNaNWeightsAreRefusedWhenLoaded() throws {
        let model = try SegmentationModel(config: smallConfig(.deepgrow3d), seed: 5)
        model.withNetwork { $0.parameters[3].variable.value.data[0] = .nan }
        let path = temporary("nan")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        XCTAssertThrowsError(try SegmentationModel.load(path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path + ": ") && "\(error)".contains("NaN or infinite weights"), "\(error)")
        }
    }

    func testHalfPrecisionWeightsTakeHalfTheBytesAndAnswerAlmostTheSame() throws {
        let model = try SegmentationModel(config: smallConfig(.deepgrow3d), seed: 4)
        let (full, half) = (temporary("full"), temporary("half"))
        defer { for p in [full, half] { try? FileManager.default.removeItem(atPath: p) } }
        try model.save(to: full)
        try model.save(to: half, halfPrecision: true)
        let weights = model.withNetwork { $0.namedTensors }.map(\.tensor.count).reduce(0, +)
        func bytes(_ path: String) throws -> Int { try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) }
        XCTAssertLessThan(try bytes(half), 2 * weights + 20_000, "two bytes a weight, plus the header")
        XCTAssertGreaterThan(try bytes(full), 4 * weights)
        let loaded = try SegmentationModel.load(half)
        XCTAssertEqual(loaded.config, model.config)
        let before = model.withNetwork { $0.namedTensors }, after = loaded.withNetwork { $0.namedTensors }
        XCTAssertEqual(after.map(\.name), before.map(\.name))
        let unrounded = zip(before, after).flatMap { a, b in zip(a.tensor.data, b.tensor.data).filter { $1 != Float(Float16($0)) } }
        XCTAssertEqual(unrounded.count, 0, "every weight is its nearest half-precision value")
        let x = Tensor.randomNormal([1, model.config.inChannels, 16, 32, 32], seed: 2)
        let (p, q) = (model.probabilities(x).data, loaded.probabilities(x).data)
        XCTAssertLessThan(zip(p, q).map { abs($0 - $1) }.max()!, 0.01)
    }
}
