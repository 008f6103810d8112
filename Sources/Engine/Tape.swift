// Reverse-mode differentiation as a tape: while recording, each op appends one closure that reads its output's
// gradient and adds its inputs' shares; `backward` runs them newest first. In inference mode nothing is recorded
// and each intermediate tensor is freed as soon as it is no longer used.

/// A tensor in a computation: a parameter, an input, or an op's result, with its gradient once computed.
public final class Variable {
    public var value: Tensor
    public var grad: Tensor?
    /// Parameters and inputs whose gradient is wanted; an op's result needs one when any of its inputs does.
    public let requiresGrad: Bool

    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
    }

    public var shape: [Int] { value.shape }

    /// Adds a share of gradient (same shape as the value).
    func accumulate(_ g: Tensor) {
        if grad == nil { grad = g; return }
        grad!.data.withUnsafeMutableBufferPointer { dst in
            g.data.withUnsafeBufferPointer { src in
                for n in 0..<dst.count { dst[n] += src[n] }
            }
        }
    }

    func accumulate(_ g: [Float]) { accumulate(Tensor(shape: value.shape, data: g)) }
}

/// Records the backward steps of a computation. One tape per forward pass.
public final class Tape {
    public let recording: Bool
    /// Dropout is on (training, or MC dropout at inference).
    public var dropoutActive: Bool
    /// Seed of the dropout masks; advanced at every dropout.
    public var dropoutSeed: UInt64
    /// Batch norm uses (and updates) batch statistics.
    public var training: Bool
    /// Multiply-adds ×2 of every convolution run so far, forward and backward (for GFLOP/s figures).
    public internal(set) var convFLOPs: Double = 0
    private var steps: [() -> Void] = []

    /// `recording` false is inference mode: no gradients, nothing kept.
    public init(recording: Bool, training: Bool? = nil, dropoutActive: Bool? = nil, seed: UInt64 = 0) {
        self.recording = recording
        self.training = training ?? recording
        self.dropoutActive = dropoutActive ?? recording
        dropoutSeed = seed
    }

    /// The result of an op: a new variable, with its backward step recorded when needed.
    func result(_ value: Tensor, inputs: [Variable?], backward: @escaping (Variable) -> Void) -> Variable {
        let record = recording && inputs.contains { $0?.requiresGrad == true }
        let output = Variable(value, requiresGrad: record)
        if record {
            steps.append { [unowned output] in
                guard output.grad != nil else { return }
                backward(output)
                // Passed on: an intermediate result's gradient is not needed any more (parameters and inputs keep theirs).
                output.grad = nil
            }
            // The tape owns the outputs it differentiates through.
            outputs.append(output)
        }
        return output
    }

    private var outputs: [Variable] = []

    /// Gradients of `loss` (a tensor of one value, or weighted by `seed`) for every parameter and input that requires
    /// one; the gradients of intermediate results are dropped as soon as they have been passed on.
    public func backward(_ loss: Variable, seed: Tensor? = nil) {
        precondition(recording, "backward needs a recording tape")
        loss.accumulate(seed ?? Tensor(shape: loss.shape, repeating: 1))
        for step in steps.reversed() { step() }
        steps.removeAll()
        outputs.removeAll()
    }
}
