// Normalisation: instance norm (per sample and channel, over space) and batch norm (per channel, over the batch
// and space; running statistics for evaluation), both with a learnt scale and shift.

import Foundation
import Parallelism
import Randomness

/// Batch norm's running mean and variance, updated in training, used in evaluation (PyTorch's buffers).
public final class RunningStatistics {
    public var mean: [Float]
    public var variance: [Float]
    public var momentum: Float

    public init(channels: Int, momentum: Float = 0.1) {
        mean = [Float](repeating: 0, count: channels)
        variance = [Float](repeating: 1, count: channels)
        self.momentum = momentum
    }
}

extension Tape {
    /// Instance norm: each (sample, channel) normalised over space, then ·weight + bias per channel.
    public func instanceNorm(_ x: Variable, weight: Variable?, bias: Variable?, eps: Float = 1e-5) -> Variable {
        let n = x.value.batch, c = x.value.channels, s = x.value.spatialCount
        return normalise(x, groups: (0..<n * c).map { [$0] }, channelOf: { $0 % c }, groupSize: s, weight: weight, bias: bias,
                         eps: eps, statistics: nil)
    }

    /// Batch norm: each channel normalised over batch and space with this batch's statistics (training, updating
    /// `running`), or with `running` (evaluation).
    public func batchNorm(_ x: Variable, weight: Variable?, bias: Variable?, running: RunningStatistics, eps: Float = 1e-5) -> Variable {
        let n = x.value.batch, c = x.value.channels, s = x.value.spatialCount
        let groups = (0..<c).map { channel in (0..<n).map { $0 * c + channel } }
        return normalise(x, groups: groups, channelOf: { $0 }, groupSize: s * n, weight: weight, bias: bias, eps: eps,
                         statistics: running)
    }

    /// Normalises each group of rows (a row = one sample's channel over space) by the group's mean and variance.
    private func normalise(_ x: Variable, groups: [[Int]], channelOf: @escaping (Int) -> Int, groupSize: Int, weight: Variable?,
                           bias: Variable?, eps: Float, statistics: RunningStatistics?) -> Variable {
        let s = x.value.spatialCount
        let v = x.value.data
        let gamma = weight?.value.data, beta = bias?.value.data
        let useBatch = statistics == nil || training
        var means = [Float](repeating: 0, count: groups.count), inverse = [Float](repeating: 0, count: groups.count)
        var out = [Float](repeating: 0, count: v.count)
        means.withUnsafeMutableBufferPointer { m in
            inverse.withUnsafeMutableBufferPointer { inv in
                out.withUnsafeMutableBufferPointer { o in
                    v.withUnsafeBufferPointer { vp in
                        let (m, inv, o, vp) = (UncheckedBox(m), UncheckedBox(inv), UncheckedBox(o), UncheckedBox(vp.baseAddress!))
                        Parallel.forEach(groups.count) { gi in
                            var mean: Double, variance: Double
                            if useBatch {
                                let total = groups[gi].reduce(0.0) { $0 + Reduction.sum(vp.value + $1 * s, count: s) }
                                mean = total / Double(groupSize)
                                let squares = groups[gi].reduce(0.0) { $0 + Reduction.squaredDeviations(vp.value + $1 * s, count: s, from: Float(mean)) }
                                variance = squares / Double(groupSize)
                            } else {
                                mean = Double(statistics!.mean[gi])
                                variance = Double(statistics!.variance[gi])
                            }
                            m.value[gi] = Float(mean)
                            inv.value[gi] = Float(1 / (variance + Double(eps)).squareRoot())
                            let channel = channelOf(groups[gi][0])
                            let scale = (gamma?[channel] ?? 1) * inv.value[gi], shift = beta?[channel] ?? 0
                            for row in groups[gi] { for i in 0..<s { o.value[row * s + i] = (vp.value[row * s + i] - Float(mean)) * scale + shift } }
                        }
                    }
                }
            }
        }
        if let statistics, training {
            // PyTorch keeps the unbiased variance.
            let correction = Float(groupSize) / Float(max(groupSize - 1, 1))
            for gi in 0..<groups.count {
                let variance = 1 / (inverse[gi] * inverse[gi]) - eps
                statistics.mean[gi] = (1 - statistics.momentum) * statistics.mean[gi] + statistics.momentum * means[gi]
                statistics.variance[gi] = (1 - statistics.momentum) * statistics.variance[gi] + statistics.momentum * variance * correction
            }
        }
        return result(Tensor(shape: x.shape, data: out), inputs: [x, weight, bias]) { output in
            let g = output.grad!.data
            var gx = [Float](repeating: 0, count: v.count)
            var gGamma = [Float](repeating: 0, count: gamma?.count ?? 0), gBeta = [Float](repeating: 0, count: beta?.count ?? 0)
            var perGroup = [(Double, Double)](repeating: (0, 0), count: groups.count)
            gx.withUnsafeMutableBufferPointer { gxp in
                perGroup.withUnsafeMutableBufferPointer { pg in
                    v.withUnsafeBufferPointer { vp in
                        g.withUnsafeBufferPointer { gp in
                            let (gxp, pg, vp, gp) = (UncheckedBox(gxp), UncheckedBox(pg), UncheckedBox(vp.baseAddress!), UncheckedBox(gp.baseAddress!))
                            Parallel.forEach(groups.count) { gi in
                                let mean = means[gi], inv = inverse[gi]
                                let channel = channelOf(groups[gi][0])
                                let scale = gamma?[channel] ?? 1
                                // Sums of dy and dy·x̂ over the group.
                                var sumG = 0.0, sumGX = 0.0
                                for row in groups[gi] {
                                    sumG += Reduction.sum(gp.value + row * s, count: s)
                                    sumGX += Reduction.dot(gp.value + row * s, vp.value + row * s, count: s, mean: mean, scale: inv)
                                }
                                pg.value[gi] = (sumG, sumGX)
                                // dx = scale·inv·(dy − mean(dy) − x̂·mean(dy·x̂)), in Float: the sums above carry the precision.
                                let m = Double(groupSize)
                                let a = scale * inv, meanG = Float(sumG / m), meanGX = Float(sumGX / m)
                                for row in groups[gi] {
                                    let (dy, x, dx) = (gp.value + row * s, vp.value + row * s, gxp.value.baseAddress! + row * s)
                                    if useBatch {
                                        for i in 0..<s { dx[i] = a * (dy[i] - meanG - (x[i] - mean) * inv * meanGX) }
                                    } else {
                                        for i in 0..<s { dx[i] = a * dy[i] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for gi in 0..<groups.count {
                let channel = channelOf(groups[gi][0])
                if !gGamma.isEmpty { gGamma[channel] += Float(perGroup[gi].1) }
                if !gBeta.isEmpty { gBeta[channel] += Float(perGroup[gi].0) }
            }
            if x.requiresGrad { x.accumulate(gx) }
            if let weight, weight.requiresGrad { weight.accumulate(gGamma) }
            if let bias, bias.requiresGrad { bias.accumulate(gBeta) }
        }
    }
}

extension Tape {
    /// Inference only: instance norm, dropout (when active: MC dropout) and LeakyReLU, written over `x`'s own values.
    /// For a temporary that nothing else reads (a conv's fresh output): what `leakyRelu(dropout(instanceNorm(x)))`
    /// computes, without three more volumes in memory. Each row's dropout mask comes from its own generator.
    func instanceNormLeakyReluInPlace(_ x: Variable, weight: Variable, bias: Variable, dropout p: Float, slope: Float,
                                      eps: Float = 1e-5) -> Variable {
        precondition(!recording, "in-place ops are for inference")
        let dropping = dropoutActive && p > 0
        if dropping { dropoutSeed &+= 0x9E37_79B9 }
        let seed = dropoutSeed, keep = 1 / (1 - p)
        let (rows, s, c) = (x.value.batch * x.value.channels, x.value.spatialCount, x.value.channels)
        let (gamma, beta) = (weight.value.data, bias.value.data)
        x.value.data.withUnsafeMutableBufferPointer { buffer in
            let box = UncheckedBox(buffer.baseAddress!)
            Parallel.forEach(rows) { row in
                let v = box.value + row * s
                let mean = Reduction.sum(v, count: s) / Double(s)
                let squares = Reduction.squaredDeviations(v, count: s, from: Float(mean))
                let inverse = Float(1 / (squares / Double(s) + Double(eps)).squareRoot())
                let scale = gamma[row % c] * inverse, shift = beta[row % c], m = Float(mean)
                if dropping {
                    var generator = SplitMix(seed: seed ^ (UInt64(row) &* 0xD1B5_4A32_D192_ED03))
                    for i in 0..<s {
                        var y = (v[i] - m) * scale + shift
                        y = generator.nextUnit() >= Double(p) ? y * keep : 0
                        v[i] = y > 0 ? y : slope * y
                    }
                } else {
                    for i in 0..<s {
                        let y = (v[i] - m) * scale + shift
                        v[i] = y > 0 ? y : slope * y
                    }
                }
            }
        }
        return x
    }
}
