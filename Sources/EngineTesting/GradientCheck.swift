// Every op's backward against central finite differences. The loss is Σ output·R for a fixed random R, summed
// in Double; each input value is nudged by ±eps and the loss recomputed. `cases` must hold one entry per `Op`.

import Engine
import Randomness

public struct GradientCase: Sendable {
    public var op: Op
    public var inputs: [Tensor]
    /// Which inputs to check (all by default).
    public var checked: [Int]
    public var eps: Float
    /// |analytic − numeric| ≤ absolute + relative·max(|analytic|, |numeric|)
    public var absolute: Double
    public var relative: Double
    public var training: Bool
    public var forward: @Sendable (Tape, [Variable]) -> Variable

    public init(_ op: Op, inputs: [Tensor], checked: [Int]? = nil, eps: Float = 1e-2, absolute: Double = 2e-3, relative: Double = 2e-2,
                training: Bool = true, forward: @escaping @Sendable (Tape, [Variable]) -> Variable) {
        self.op = op
        self.inputs = inputs
        self.checked = checked ?? Array(inputs.indices)
        self.eps = eps
        self.absolute = absolute
        self.relative = relative
        self.training = training
        self.forward = forward
    }
}

public enum GradientCheck {
    /// Mismatches, as readable lines (empty when the op's backward agrees with finite differences).
    public static func run(_ check: GradientCase) -> [String] {
        func tape(recording: Bool) -> Tape { Tape(recording: recording, training: check.training, dropoutActive: check.op == .dropout, seed: 42) }
        let probe = check.forward(tape(recording: false), check.inputs.map { Variable($0) })
        let weights = Tensor.randomUniform(probe.shape, low: -1, high: 1, seed: 7)
        func loss(_ inputs: [Tensor]) -> Double {
            let out = check.forward(tape(recording: false), inputs.map { Variable($0) })
            return zip(out.value.data, weights.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let recorder = tape(recording: true)
        let variables = check.inputs.enumerated().map { Variable($1, requiresGrad: check.checked.contains($0)) }
        let out = check.forward(recorder, variables)
        recorder.backward(out, seed: weights)
        var failures: [String] = []
        for index in check.checked {
            guard let analytic = variables[index].grad else {
                failures.append("\(check.op): no gradient for input \(index)")
                continue
            }
            for n in 0..<check.inputs[index].count {
                var plus = check.inputs, minus = check.inputs
                plus[index].data[n] += check.eps
                minus[index].data[n] -= check.eps
                let numeric = (loss(plus) - loss(minus)) / (2 * Double(check.eps))
                let a = Double(analytic.data[n])
                if abs(a - numeric) > check.absolute + check.relative * max(abs(a), abs(numeric)) {
                    failures.append("\(check.op): input \(index)[\(n)] analytic \(a) numeric \(numeric)")
                }
            }
        }
        return failures
    }

    static func input(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        Tensor.randomUniform(shape, low: low, high: high, seed: seed)
    }

    /// Values at least `gap` apart from 0 and from each other's neighbours, for ops with kinks (ReLU, max pooling).
    static func awayFromKinks(_ shape: [Int], seed: UInt64) -> Tensor {
        var t = input(shape, seed: seed)
        var generator = SplitMix(seed: seed)
        let order = Array(0..<t.count).shuffled(using: &generator)
        for (rank, n) in order.enumerated() { t.data[n] = (Float(rank) - Float(t.count) / 2 + 0.5) * 0.2 }
        return t
    }

    /// One case per op, small enough to check every value.
    public static let cases: [Op: GradientCase] = {
        var all: [Op: GradientCase] = [:]
        func add(_ c: GradientCase) { all[c.op] = c }
        add(GradientCase(.conv, inputs: [input([2, 2, 4, 5, 4], seed: 1), input([3, 2, 3, 3, 3], seed: 2), input([3], seed: 3)]) {
            $0.conv($1[0], weight: $1[1], bias: $1[2], options: ConvOptions(stride: 1, padding: 1))
        })
        add(GradientCase(.convTranspose, inputs: [input([1, 3, 3, 2, 3], seed: 4), input([3, 2, 2, 2, 2], seed: 5), input([2], seed: 6)]) {
            $0.convTranspose($1[0], weight: $1[1], bias: $1[2], options: ConvOptions(stride: 2))
        })
        add(GradientCase(.add, inputs: [input([2, 3, 2, 2, 2], seed: 7), input([1, 3, 1, 1, 1], seed: 8)]) { $0.add($1[0], $1[1]) })
        add(GradientCase(.sub, inputs: [input([2, 3, 2, 2, 2], seed: 9), input([2, 1, 2, 2, 2], seed: 10)]) { $0.sub($1[0], $1[1]) })
        add(GradientCase(.mul, inputs: [input([2, 3, 2, 2, 2], seed: 11), input([1, 3, 1, 1, 1], seed: 12)]) { $0.mul($1[0], $1[1]) })
        add(GradientCase(.div, inputs: [input([2, 3, 2, 2, 2], seed: 13), input([1, 3, 1, 1, 1], seed: 14, low: 1, high: 2)]) {
            $0.div($1[0], $1[1])
        })
        add(GradientCase(.affine, inputs: [input([2, 2, 2, 2, 2], seed: 15)]) { $0.affine($1[0], scale: -1.5, shift: 0.25) })
        add(GradientCase(.relu, inputs: [awayFromKinks([2, 2, 2, 2, 2], seed: 16)]) { $0.relu($1[0]) })
        add(GradientCase(.leakyRelu, inputs: [awayFromKinks([2, 2, 2, 2, 2], seed: 17)]) { $0.leakyRelu($1[0], slope: 0.1) })
        add(GradientCase(.prelu, inputs: [awayFromKinks([2, 3, 2, 2, 2], seed: 18), input([3], seed: 19, low: 0.05, high: 0.3)]) {
            $0.prelu($1[0], weight: $1[1])
        })
        add(GradientCase(.sigmoid, inputs: [input([2, 2, 2, 2, 2], seed: 20, low: -3, high: 3)]) { $0.sigmoid($1[0]) })
        add(GradientCase(.instanceNorm, inputs: [input([2, 3, 2, 3, 3], seed: 21), input([3], seed: 22), input([3], seed: 23)], eps: 3e-3) {
            $0.instanceNorm($1[0], weight: $1[1], bias: $1[2])
        })
        add(GradientCase(.batchNorm, inputs: [input([3, 2, 2, 2, 3], seed: 24), input([2], seed: 25), input([2], seed: 26)], eps: 3e-3) {
            $0.batchNorm($1[0], weight: $1[1], bias: $1[2], running: RunningStatistics(channels: 2))
        })
        add(GradientCase(.maxPool, inputs: [awayFromKinks([1, 2, 4, 4, 4], seed: 27)]) { $0.maxPool($1[0]) })
        add(GradientCase(.upsampleNearest, inputs: [input([1, 2, 2, 3, 2], seed: 28)]) { $0.upsampleNearest($1[0]) })
        add(GradientCase(.padEnd, inputs: [input([1, 2, 2, 3, 2], seed: 29)]) { $0.padEnd($1[0], to: [3, 3, 3]) })
        add(GradientCase(.upsampleTrilinear, inputs: [input([1, 2, 2, 3, 2], seed: 29)]) { $0.upsampleTrilinear($1[0]) })
        add(GradientCase(.concat, inputs: [input([2, 1, 2, 2, 2], seed: 30), input([2, 3, 2, 2, 2], seed: 31)]) { $0.concat([$1[0], $1[1]]) })
        add(GradientCase(.split, inputs: [input([2, 4, 2, 2, 2], seed: 32)]) { tape, x in
            let parts = tape.split(x[0], channels: [1, 3])
            return tape.concat([tape.affine(parts[1], scale: 2), parts[0]])
        })
        add(GradientCase(.softmax, inputs: [input([2, 4, 2, 2, 2], seed: 33, low: -2, high: 2)]) { $0.softmax($1[0]) })
        add(GradientCase(.logSoftmax, inputs: [input([2, 4, 2, 2, 2], seed: 34, low: -2, high: 2)]) { $0.logSoftmax($1[0]) })
        add(GradientCase(.sum, inputs: [input([2, 2, 2, 2, 2], seed: 35)]) { $0.sum($1[0]) })
        add(GradientCase(.mean, inputs: [input([2, 2, 2, 2, 2], seed: 36)]) { $0.mean($1[0]) })
        add(GradientCase(.sumSpatial, inputs: [input([2, 3, 2, 2, 2], seed: 37)]) { $0.sumSpatial($1[0]) })
        add(GradientCase(.dropout, inputs: [input([2, 3, 2, 2, 2], seed: 38)]) { $0.dropout($1[0], p: 0.3) })
        return all
    }()
}
