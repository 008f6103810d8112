// The engine's only data type: Float32 voxels in N×C×D×H×W order (a 2D image has depth 1), contiguous and owned.
// No dtypes, no views, no lazy graph: an op reads whole tensors and makes a new one.

import Foundation
import Randomness

public struct Tensor: Sendable, Equatable {
    /// Always five numbers: batch, channels, depth, height, width.
    public private(set) var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        let full = Tensor.fiveD(shape)
        precondition(full.reduce(1, *) == data.count, "\(data.count) values for shape \(full)")
        self.shape = full
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, repeating: 0)
    }

    public init(shape: [Int], repeating value: Float) {
        let full = Tensor.fiveD(shape)
        self.shape = full
        data = [Float](repeating: value, count: full.reduce(1, *))
    }

    /// A shape of 1–5 numbers as five: 2D (N, C, H, W) gets depth 1; fewer numbers are leading batch/channels.
    static func fiveD(_ shape: [Int]) -> [Int] {
        switch shape.count {
        case 5: shape
        case 4: [shape[0], shape[1], 1, shape[2], shape[3]]
        default: Array(repeating: 1, count: 5 - shape.count) + shape
        }
    }

    public var count: Int { data.count }
    public var batch: Int { shape[0] }
    public var channels: Int { shape[1] }
    /// Depth × height × width.
    public var spatialCount: Int { shape[2] * shape[3] * shape[4] }
    public var spatialShape: [Int] { Array(shape[2...]) }

    /// Same values, another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, data: data) }

    /// Values drawn from N(0, std²) with a seeded generator, for weights and tests.
    public static func randomNormal(_ shape: [Int], std: Float = 1, seed: UInt64) -> Tensor {
        var generator = SplitMix(seed: seed)
        let full = fiveD(shape)
        var data = [Float](repeating: 0, count: full.reduce(1, *))
        var n = 0
        while n < data.count {
            // Box–Muller: two normals per pair of uniforms.
            let u1 = max(generator.nextUnit(), 1e-12), u2 = generator.nextUnit()
            let r = (-2 * Foundation.log(u1)).squareRoot()
            data[n] = Float(r * Foundation.cos(2 * Double.pi * u2)) * std
            if n + 1 < data.count { data[n + 1] = Float(r * Foundation.sin(2 * Double.pi * u2)) * std }
            n += 2
        }
        return Tensor(shape: full, data: data)
    }

    /// Values uniform in [low, high).
    public static func randomUniform(_ shape: [Int], low: Float, high: Float, seed: UInt64) -> Tensor {
        var generator = SplitMix(seed: seed)
        let full = fiveD(shape)
        return Tensor(shape: full, data: (0..<full.reduce(1, *)).map { _ in low + (high - low) * Float(generator.nextUnit()) })
    }
}

