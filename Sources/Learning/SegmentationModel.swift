// A network with what it needs to be used: its configuration, saved beside the weights in the safetensors
// metadata. Weights from MONAI/PyTorch (BasicUNet's state dict as safetensors) load when given a configuration.

import Engine
import Foundation
import Volume

public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badConfiguration(String)
    /// No model of these kinds is registered (any one would do); `hint` says how to get one.
    case noModel([ModelKind], hint: String)
    case wrongKind(path: String, has: ModelKind, wanted: ModelKind)
    /// A click model asked to grow a structure with no positive click on it.
    case needsPositiveClick
    /// Training asked for, and no study has a final label.
    case nothingToTrainOn
    case everyStudyValidates
    /// The model does not predict this label value.
    case unknownLabel(model: String, label: UInt16)
    /// A folder with no study fit for the job.
    case noStudies(folder: String, wanted: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .badConfiguration(let reason): "model configuration: \(reason)"
        case .noModel(let kinds, let hint):
            "no \(kinds.map { $0 == .auto ? "automatic" : $0.rawValue }.joined(separator: " or ")) model yet: \(hint)"
        case .wrongKind(let path, let has, let wanted): "\(path): a \(has.rawValue) model, not \(wanted.rawValue)"
        case .needsPositiveClick: "DeepGrow needs a positive click on the structure"
        case .nothingToTrainOn: "nothing to train on: no study has a final label"
        case .everyStudyValidates: "nothing to train on: every labeled study is a validation study (train --validation names fewer)"
        case .unknownLabel(let model, let label): "\(model) does not know label \(label)"
        case .noStudies(let folder, let wanted): "\(folder): no \(wanted)"
        }
    }
}

public final class SegmentationModel: @unchecked Sendable {
    public let config: ModelConfig
    public let network: BasicUNet
    /// Where the weights came from, if a file.
    public let path: String?
    /// Serialises use of the network: a `BasicUNet` holds its parameters by reference and is not re-entrant
    /// while training updates them.
    let lock = NSLock()

    public init(config: ModelConfig, seed: UInt64 = 0, path: String? = nil) throws {
        if let problem = config.problem { throw ModelError.badConfiguration(problem) }
        try MemoryBudget.check(config.estimatedBytes / 4, of: 4, reading: path ?? "the \(config.kind.rawValue) model")
        self.config = config
        network = BasicUNet(spatialDims: config.kind.spatialDims, inChannels: config.inChannels, outChannels: config.outChannels,
                            features: config.features, dropout: config.dropout, seed: seed)
        self.path = path
    }

    /// The configuration saved inside a weights file (nil for a bare state dict).
    public static func configuration(of path: String) throws -> ModelConfig? {
        guard let json = try Safetensors.read(path).metadata[ModelConfig.metadataKey] else { return nil }
        return try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
    }

    /// A weights file written by `save` (its configuration inside), or any BasicUNet state dict with `config`.
    public static func load(_ path: String, config given: ModelConfig? = nil) throws -> SegmentationModel {
        // Safetensors' errors name the file already.
        let (tensors, metadata) = try Safetensors.read(path)
        // A network with NaN or infinite weights answers NaN everywhere, which would pass for an empty label.
        if let bad = tensors.first(where: { $0.tensor.data.contains { !$0.isFinite } }) {
            throw ModelError.unreadable(path: path, reason: "\(bad.name) holds NaN or infinite weights")
        }
        var config = given
        if config == nil, let json = metadata[ModelConfig.metadataKey] {
            do { config = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)) } catch {
                throw ModelError.unreadable(path: path, reason: "its configuration is not readable: \(error)")
            }
        }
        guard let config else {
            throw ModelError.unreadable(path: path, reason: "no termlabel configuration inside; give the model's kind and labels to import it")
        }
        let model = try SegmentationModel(config: config, path: path)
        do { try model.network.load(tensors, from: path) } catch {
            throw ModelError.unreadable(path: path, reason: "\(error)")
        }
        return model
    }

    /// Writes the weights and the configuration (through a temporary file renamed into place).
    public func save(to path: String, metadata extra: [String: String] = [:], halfPrecision: Bool = false) throws {
        let tensors = withNetwork { $0.namedTensors }
        try Safetensors.write(tensors, metadata: config.metadata().merging(extra) { a, _ in a }, halfPrecision: halfPrecision, to: path)
    }

    /// Runs `body` with the network held.
    public func withNetwork<T>(_ body: (BasicUNet) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(network)
    }

    /// Class probabilities (softmax over the output channels) for an input of `config.inChannels` channels.
    /// `dropoutSeed` keeps dropout on (MC dropout).
    public func probabilities(_ input: Tensor, dropoutSeed: UInt64? = nil) -> Tensor {
        withNetwork { network in
            let tape = Tape(recording: false, dropoutActive: dropoutSeed != nil, seed: dropoutSeed ?? 0)
            return tape.softmax(network(tape, Variable(input))).value
        }
    }
}
