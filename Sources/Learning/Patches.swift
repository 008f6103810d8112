// Moving values between a grid and the network's input: crops (zero outside the grid), pasting back, and the
// windows a sliding window visits.

import Engine
import Foundation
import Volume

/// Channels on one grid (each i fastest), the way the network takes them.
public struct ChannelGrid: Sendable {
    public var shape: [Int]
    public var channels: [[Float]]

    public init(shape: [Int], channels: [[Float]]) {
        precondition(channels.allSatisfy { $0.count == shape[0] * shape[1] * shape[2] })
        self.shape = shape
        self.channels = channels
    }

    /// The box `origin ..< origin + size` as a 1×C×size[2]×size[1]×size[0] tensor; voxels outside the grid take
    /// `fill[c]` (the value of empty space in that channel).
    public func crop(origin: VoxelIndex, size: [Int], fill: [Float]? = nil) -> Tensor {
        let count = size[0] * size[1] * size[2]
        var data = [Float](repeating: 0, count: channels.count * count)
        for (c, values) in channels.enumerated() {
            let background = fill?[c] ?? 0
            let base = c * count
            if background != 0 { for n in base..<base + count { data[n] = background } }
            for k in 0..<size[2] {
                let z = origin.k + k
                guard z >= 0 && z < shape[2] else { continue }
                for j in 0..<size[1] {
                    let y = origin.j + j
                    guard y >= 0 && y < shape[1] else { continue }
                    let i0 = max(0, -origin.i), i1 = min(size[0], shape[0] - origin.i)
                    guard i0 < i1 else { continue }
                    let source = origin.i + i0 + shape[0] * (y + shape[1] * z)
                    let target = base + i0 + size[0] * (j + size[1] * k)
                    for n in 0..<(i1 - i0) { data[target + n] = values[source + n] }
                }
            }
        }
        return Tensor(shape: [1, channels.count, size[2], size[1], size[0]], data: data)
    }
}

public enum Patches {
    /// Adds `patch` (channel-major, size[0] fastest) times `weight` into `into` (channel-major over `shape`), and the
    /// weights into `weights`, for the voxels inside the grid.
    static func accumulate(_ patch: [Float], origin: VoxelIndex, size: [Int], weight: [Float], channels: Int,
                           into: inout [Float], weights: inout [Float], shape: [Int]) {
        let count = size[0] * size[1] * size[2], total = shape[0] * shape[1] * shape[2]
        for k in 0..<size[2] {
            let z = origin.k + k
            guard z >= 0 && z < shape[2] else { continue }
            for j in 0..<size[1] {
                let y = origin.j + j
                guard y >= 0 && y < shape[1] else { continue }
                for i in 0..<size[0] {
                    let x = origin.i + i
                    guard x >= 0 && x < shape[0] else { continue }
                    let p = i + size[0] * (j + size[1] * k), g = x + shape[0] * (y + shape[1] * z)
                    let w = weight[p]
                    weights[g] += w
                    for c in 0..<channels { into[c * total + g] += w * patch[c * count + p] }
                }
            }
        }
    }

    /// Window starts along one axis: one window (centred, padded) when the axis is shorter than the patch, else
    /// evenly spaced windows overlapping by at least `overlap` of the patch, the last ending at the edge.
    public static func starts(length: Int, patch: Int, overlap: Double) -> [Int] {
        guard length > patch else { return [(length - patch) / 2] }
        let step = max(1, Int((Double(patch) * (1 - overlap)).rounded(.down)))
        let windows = (length - patch + step - 1) / step + 1
        return (0..<windows).map { n in windows == 1 ? 0 : (n * (length - patch)) / (windows - 1) }
    }

    /// A Gaussian importance map (σ = size/8 per axis, as MONAI's sliding window uses) so window edges, where the
    /// network sees the least context, count the least.
    static func importance(_ size: [Int]) -> [Float] {
        let axes = size.map { n -> [Float] in
            let sigma = Double(n) / 8, centre = Double(n - 1) / 2
            return (0..<n).map { t -> Float in
                let d = Double(t) - centre
                return n == 1 ? 1 : Float(exp(-d * d / (2 * sigma * sigma)))
            }
        }
        var out = [Float](repeating: 0, count: size[0] * size[1] * size[2])
        for k in 0..<size[2] { for j in 0..<size[1] { for i in 0..<size[0] {
            out[i + size[0] * (j + size[1] * k)] = max(axes[0][i] * axes[1][j] * axes[2][k], 1e-3)
        } } }
        return out
    }

    /// The box of `size` centred on `centre`, moved inside the grid where the grid is larger than the box.
    public static func box(around centre: VoxelIndex, size: [Int], shape: [Int]) -> VoxelIndex {
        let origin = (0..<3).map { axis -> Int in
            let start = centre[axis] - size[axis] / 2
            guard shape[axis] > size[axis] else { return (shape[axis] - size[axis]) / 2 }
            return min(max(start, 0), shape[axis] - size[axis])
        }
        return VoxelIndex(origin[0], origin[1], origin[2])
    }
}
