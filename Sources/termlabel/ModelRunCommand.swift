// `termlabel model run WEIGHTS`: a network on a tensor, to compare its logits with PyTorch's.

import App
import ArgumentParser
import Datastore
import Engine
import Foundation
import Learning
import Segmenters
import Volume

struct ModelRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model's network on a tensor (safetensors, key \"input\") and write its logits (key \"logits\"), to compare with PyTorch."
    )

    @Argument(help: "The weights (.safetensors written by termlabel).")
    var weights: String

    @Option(help: "The input tensor, N×C×D×H×W (or N×C×H×W).")
    var input: String

    @Option(help: "Where to write the logits.")
    var out: String

    func run() throws {
        let model = try SegmentationModel.load(weights)
        guard let x = try Safetensors.read(input).tensors.first(where: { $0.name == "input" }) else {
            throw ModelError.unreadable(path: input, reason: "no tensor named input")
        }
        // Four poolings by 2 must leave at least one voxel (a 2D input is one voxel deep).
        guard x.tensor.spatialShape.enumerated().allSatisfy({ $0.element >= 16 || ($0.offset == 0 && $0.element == 1) }) else {
            throw ModelError.unreadable(path: input, reason: "spatial size \(x.tensor.spatialShape) under 16 voxels")
        }
        guard x.tensor.channels == model.config.inChannels else {
            throw ModelError.unreadable(path: input, reason: "\(x.tensor.channels) channels; the model takes \(model.config.inChannels)")
        }
        let logits = model.withNetwork { network in network(Tape(recording: false), Variable(x.tensor)).value }
        let shape = x.shape.count == 4 ? [logits.shape[0], logits.shape[1], logits.shape[3], logits.shape[4]] : logits.shape
        try Safetensors.write([NamedTensor(name: "logits", shape: shape, tensor: logits)], to: out)
        print("logits \(shape) → \(out)")
    }
}
