// Layers as structs holding their parameters (variables, shared by reference, so an optimiser updates them in
// place), each named as in PyTorch's state dict.

import Foundation
import Randomness

/// A learnt tensor and its state-dict name and PyTorch shape.
public struct Parameter {
    public var name: String
    public var shape: [Int]
    public var variable: Variable

    public init(name: String, shape: [Int], variable: Variable) {
        self.name = name
        self.shape = shape
        self.variable = variable
    }
}

public protocol Layer {
    var parameters: [Parameter] { get }
}

extension Layer {
    /// Replaces every parameter's value with the tensor of the same name; a missing name or another shape is an
    /// error naming the file.
    public func load(_ tensors: [NamedTensor], from path: String) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for p in parameters {
            guard let t = byName[p.name] else { throw SafetensorsError.mismatch(path: path, reason: "no tensor \(p.name)") }
            guard t.shape == p.shape else {
                throw SafetensorsError.mismatch(path: path, reason: "\(p.name) has shape \(t.shape), the model needs \(p.shape)")
            }
            p.variable.value = Tensor(shape: p.variable.shape, data: t.tensor.data)
        }
        let known = Set(parameters.map(\.name))
        if let extra = tensors.first(where: { !known.contains($0.name) }) {
            throw SafetensorsError.mismatch(path: path, reason: "unexpected tensor \(extra.name) (another architecture?)")
        }
    }

    public var namedTensors: [NamedTensor] { parameters.map { NamedTensor(name: $0.name, shape: $0.shape, tensor: $0.variable.value) } }

    public func zeroGradients() { for p in parameters { p.variable.grad = nil } }
}

/// PyTorch's default initialisation: uniform in ±1/√fan-in for weights and biases.
func uniformParameter(_ name: String, shape: [Int], fanIn: Int, seed: inout SplitMix) -> Parameter {
    let bound = 1 / Float(fanIn).squareRoot()
    let t = Tensor.randomUniform(shape, low: -bound, high: bound, seed: seed.next())
    return Parameter(name: name, shape: shape, variable: Variable(t, requiresGrad: true))
}

func constantParameter(_ name: String, count: Int, value: Float) -> Parameter {
    Parameter(name: name, shape: [count], variable: Variable(Tensor(shape: [count], repeating: value), requiresGrad: true))
}

public struct Conv: Layer {
    public var weight: Parameter
    public var bias: Parameter?
    public var options: ConvOptions

    /// `spatialDims` 2 or 3; weight Cout×Cin×k(×k)×k.
    public init(_ name: String, spatialDims: Int, inChannels: Int, outChannels: Int, kernel: Int, options: ConvOptions = ConvOptions(),
                bias: Bool = true, seed: inout SplitMix) {
        let shape = [outChannels, inChannels] + Array(repeating: kernel, count: spatialDims)
        let fanIn = inChannels * Int(pow(Double(kernel), Double(spatialDims)))
        weight = uniformParameter(name + ".weight", shape: shape, fanIn: fanIn, seed: &seed)
        self.bias = bias ? uniformParameter(name + ".bias", shape: [outChannels], fanIn: fanIn, seed: &seed) : nil
        self.options = options
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable {
        tape.conv(x, weight: weight.variable, bias: bias?.variable, options: options)
    }
}

public struct ConvTranspose: Layer {
    public var weight: Parameter
    public var bias: Parameter?
    public var options: ConvOptions

    /// Weight Cin×Cout×k(×k)×k, as PyTorch's ConvTranspose.
    public init(_ name: String, spatialDims: Int, inChannels: Int, outChannels: Int, kernel: Int, options: ConvOptions = ConvOptions(stride: 2),
                bias: Bool = true, seed: inout SplitMix) {
        let shape = [inChannels, outChannels] + Array(repeating: kernel, count: spatialDims)
        // PyTorch computes a transposed conv's fan-in from weight dimension 1.
        let fanIn = outChannels * Int(pow(Double(kernel), Double(spatialDims)))
        weight = uniformParameter(name + ".weight", shape: shape, fanIn: fanIn, seed: &seed)
        self.bias = bias ? uniformParameter(name + ".bias", shape: [outChannels], fanIn: fanIn, seed: &seed) : nil
        self.options = options
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable {
        tape.convTranspose(x, weight: weight.variable, bias: bias?.variable, options: options)
    }
}

public struct InstanceNorm: Layer {
    public var weight: Parameter
    public var bias: Parameter

    public init(_ name: String, channels: Int) {
        weight = constantParameter(name + ".weight", count: channels, value: 1)
        bias = constantParameter(name + ".bias", count: channels, value: 0)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable {
        tape.instanceNorm(x, weight: weight.variable, bias: bias.variable)
    }
}

public struct BatchNorm: Layer {
    public var weight: Parameter
    public var bias: Parameter
    public var running: RunningStatistics

    public init(_ name: String, channels: Int) {
        weight = constantParameter(name + ".weight", count: channels, value: 1)
        bias = constantParameter(name + ".bias", count: channels, value: 0)
        running = RunningStatistics(channels: channels)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable {
        tape.batchNorm(x, weight: weight.variable, bias: bias.variable, running: running)
    }
}

public struct PReLU: Layer {
    public var weight: Parameter

    /// One slope (channels 1) or one per channel, starting at 0.25 as in PyTorch.
    public init(_ name: String, channels: Int = 1) {
        weight = constantParameter(name + ".weight", count: channels, value: 0.25)
    }

    public var parameters: [Parameter] { [weight] }

    public func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable { tape.prelu(x, weight: weight.variable) }
}
