// Separable Gaussian smoothing in voxel units, one axis at a time, slices spread over the cores.

import Dispatch
import Foundation

extension Volume {
    /// The image blurred by a Gaussian of the given standard deviation (in voxels) along each axis.
    public func smoothed(sigmaVoxels sigma: [Double]) -> Volume {
        var out = self
        out.voxels = GaussianSmoothing.apply(voxels, shape: shape, sigma: sigma)
        return out
    }
}

public enum GaussianSmoothing {
    public static func kernel(sigma: Double) -> [Float] {
        guard sigma > 0 else { return [1] }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var weights = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        return weights
    }

    /// Smooths `values` (laid out i fastest) along each axis in turn; edges repeat the border value.
    public static func apply(_ values: [Float], shape: [Int], sigma: [Double]) -> [Float] {
        var current = values
        for axis in 0..<3 where sigma[axis] > 0 && shape[axis] > 1 {
            current = along(axis, current, shape: shape, kernel: kernel(sigma: sigma[axis]))
        }
        return current
    }

    static func along(_ axis: Int, _ values: [Float], shape: [Int], kernel: [Float]) -> [Float] {
        let strides = [1, shape[0], shape[0] * shape[1]]
        let n = shape[axis], step = strides[axis], radius = kernel.count / 2
        // Lines along `axis` start at every voxel whose coordinate on that axis is 0.
        let others = (0..<3).filter { $0 != axis }
        let lineCount = shape[others[0]] * shape[others[1]]
        var out = [Float](repeating: 0, count: values.count)
        out.withUnsafeMutableBufferPointer { target in
            let target = SharedBuffer(pointer: target.baseAddress!)
            values.withUnsafeBufferPointer { source in
                let source = SharedBuffer(pointer: UnsafeMutablePointer(mutating: source.baseAddress!))
                let parts = min(lineCount, 32)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    var line = [Float](repeating: 0, count: n)
                    for l in stride(from: part, to: lineCount, by: parts) {
                        let a = l % shape[others[0]], b = l / shape[others[0]]
                        let start = a * strides[others[0]] + b * strides[others[1]]
                        for t in 0..<n { line[t] = source.pointer[start + t * step] }
                        for t in 0..<n {
                            var sum: Float = 0
                            for (w, weight) in kernel.enumerated() {
                                let u = min(max(t + w - radius, 0), n - 1)
                                sum += weight * line[u]
                            }
                            target.pointer[start + t * step] = sum
                        }
                    }
                }
            }
        }
        return out
    }
}
