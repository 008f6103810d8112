// Which study to label next. `first` and `random` need no model; `epistemic` asks how much the model's answer
// changes when dropout stays on (MC dropout: mean entropy of the averaged softmax), `aleatoric` how much it
// changes over augmented copies of the image (test-time augmentation). Both are averaged over the body, so a
// large field of air does not make a study look certain.

import Engine
import Foundation
import Randomness
import Volume

public enum Strategy: String, Sendable, CaseIterable, Codable {
    case first, random, epistemic, aleatoric

    /// Whether the strategy needs a model's scores.
    public var usesModel: Bool { self == .epistemic || self == .aleatoric }
}

/// A study that could be served next.
public struct Candidate: Sendable, Equatable {
    public var id: String
    /// Someone holds it (never served to another).
    public var held: Bool
    public var lastServed: Date?
    /// The strategy's score (higher = more worth labelling); nil when not computed.
    public var score: Double?

    public init(id: String, held: Bool = false, lastServed: Date? = nil, score: Double? = nil) {
        self.id = id
        self.held = held
        self.lastServed = lastServed
        self.score = score
    }
}

public enum Ranker {
    /// The candidates nobody holds, best first. `random` draws without replacement with weights growing with the
    /// time since a study was last served (never served counts as a day), so annotators starting together are
    /// not handed the same study. Model strategies put unscored studies last, by id.
    public static func rank(_ candidates: [Candidate], strategy: Strategy, now: Date = Date(), seed: UInt64 = 0) -> [Candidate] {
        let free = candidates.filter { !$0.held }.sorted { $0.id < $1.id }
        switch strategy {
        case .first:
            return free
        case .random:
            var generator = SplitMix(seed: seed)
            var pool = free
            var out: [Candidate] = []
            while !pool.isEmpty {
                let weights = pool.map { c in min(max(now.timeIntervalSince(c.lastServed ?? .distantPast), 1), 86_400) }
                var u = generator.nextUnit() * weights.reduce(0, +)
                let pick = weights.firstIndex { u -= $0; return u <= 0 } ?? pool.count - 1
                out.append(pool.remove(at: pick))
            }
            return out
        case .epistemic, .aleatoric:
            return free.filter { $0.score != nil }.sorted { $0.score! > $1.score! } + free.filter { $0.score == nil }
        }
    }
}

public enum UncertaintyScore {
    /// Voxels of the body: above the bottom of the normalised intensity range (air, background).
    static func body(_ image: [Float]) -> [Bool] {
        let mask = image.map { $0 > 0.05 }
        return mask.contains(true) ? mask : [Bool](repeating: true, count: image.count)
    }

    /// MC dropout: `passes` stochastic passes with dropout `rate` kept on; the mean over the body of the entropy
    /// (nats) of the averaged class probabilities.
    public static func epistemic(_ model: SegmentationModel, _ prepared: PreparedImage, passes: Int = 8, rate: Float = 0.2,
                                 seed: UInt64 = 1) -> Double {
        let classes = model.config.outChannels
        let n = prepared.space.grid.voxelCount
        var mean = [Float](repeating: 0, count: classes * n)
        let kept = model.withNetwork { network -> Float in
            let old = network.dropout
            network.dropout = rate
            return old
        }
        defer { model.withNetwork { $0.dropout = kept } }
        for pass in 0..<passes {
            let p = Inference.probabilities(model, image: prepared.image, shape: prepared.shape, clicks: ClickSet(),
                                            dropoutSeed: seed &* 1_000_003 &+ UInt64(pass) &* 7919)
            for v in 0..<mean.count { mean[v] += p[v] / Float(passes) }
        }
        let body = body(prepared.image)
        var total = 0.0, count = 0
        for v in 0..<n where body[v] {
            var entropy = 0.0
            for c in 0..<classes {
                let p = Double(mean[c * n + v])
                if p > 1e-12 { entropy -= p * log(p) }
            }
            total += entropy
            count += 1
        }
        return total / Double(max(count, 1))
    }

    /// Test-time augmentation: the model over `passes` copies of the image (flips along the model grid's axes,
    /// intensity scale and shift), each answer flipped back; the foreground probability's standard deviation
    /// across copies, averaged over the body, over its mean (a coefficient of variation). Flips are harmless
    /// here: the foreground probability (1 − background) does not care which side a label is on.
    public static func aleatoric(_ model: SegmentationModel, _ prepared: PreparedImage, passes: Int = 8, seed: UInt64 = 1) -> Double {
        let shape = prepared.shape
        let n = prepared.space.grid.voxelCount
        var generator = SplitMix(seed: seed)
        var sum = [Double](repeating: 0, count: n), squares = [Double](repeating: 0, count: n)
        for pass in 0..<passes {
            let augmentation = pass == 0 ? Augmentation() : Augmentation.random(geometric: true, planar: false, square: false, generator: &generator)
            let image = augmentation.intensity(augmentation.apply(prepared.image, shape: shape))
            let p = Inference.probabilities(model, image: image, shape: shape, clicks: ClickSet())
            let foreground = augmentation.apply((0..<n).map { 1 - p[$0] }, shape: shape)  // a flip is its own inverse
            for v in 0..<n {
                let f = Double(foreground[v])
                sum[v] += f
                squares[v] += f * f
            }
        }
        let body = body(prepared.image)
        var spread = 0.0, level = 0.0
        for v in 0..<n where body[v] {
            let m = sum[v] / Double(passes)
            spread += (max(squares[v] / Double(passes) - m * m, 0)).squareRoot()
            level += m
        }
        return spread / max(level, 1e-6)
    }
}
