// Optimisers with PyTorch's update rules: SGD with momentum, Adam, AdamW. `learningRate` may be changed between
// steps, or set by `schedule` from the step number.

import Foundation

public final class Optimizer {
    public enum Rule: Sendable {
        case sgd(momentum: Float)
        case adam(beta1: Float, beta2: Float, eps: Float)
        /// Adam with decoupled weight decay.
        case adamW(beta1: Float, beta2: Float, eps: Float)
    }

    public let rule: Rule
    public var learningRate: Float
    public var weightDecay: Float
    /// Called before each step with the step number (from 1); its result becomes the learning rate.
    public var schedule: ((Int) -> Float)?
    public private(set) var step = 0
    let parameters: [Variable]
    var first: [[Float]]
    var second: [[Float]]

    public init(_ rule: Rule, parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        self.rule = rule
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.parameters = parameters.map(\.variable)
        first = self.parameters.map { [Float](repeating: 0, count: $0.value.count) }
        second = self.parameters.map { [Float](repeating: 0, count: $0.value.count) }
    }

    public static func sgd(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) -> Optimizer {
        Optimizer(.sgd(momentum: momentum), parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    public static func adam(_ parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0) -> Optimizer {
        Optimizer(.adam(beta1: 0.9, beta2: 0.999, eps: 1e-8), parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    public static func adamW(_ parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 1e-2) -> Optimizer {
        Optimizer(.adamW(beta1: 0.9, beta2: 0.999, eps: 1e-8), parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    /// Sets every gradient to nothing (the next backward starts from zero).
    public func zeroGradients() { for p in parameters { p.grad = nil } }

    /// Updates every parameter that has a gradient.
    public func update() {
        step += 1
        if let schedule { learningRate = schedule(step) }
        let lr = learningRate, decay = weightDecay, t = Float(step)
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad?.data else { continue }
            let count = grad.count
            p.value.data.withUnsafeMutableBufferPointer { w in
                first[index].withUnsafeMutableBufferPointer { m in
                    second[index].withUnsafeMutableBufferPointer { v in
                        switch rule {
                        case .sgd(let momentum):
                            for n in 0..<count {
                                let g = grad[n] + decay * w[n]
                                m[n] = step == 1 ? g : momentum * m[n] + g
                                w[n] -= lr * (momentum > 0 ? m[n] : g)
                            }
                        case .adam(let b1, let b2, let eps), .adamW(let b1, let b2, let eps):
                            let decoupled: Bool = if case .adamW = rule { true } else { false }
                            let c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t)
                            for n in 0..<count {
                                var g = grad[n]
                                if decoupled { w[n] -= lr * decay * w[n] } else { g += decay * w[n] }
                                m[n] = b1 * m[n] + (1 - b1) * g
                                v[n] = b2 * v[n] + (1 - b2) * g * g
                                w[n] -= lr * (m[n] / c1) / ((v[n] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
