// Clicks as the network sees them: one map per click channel, 1 at each clicked voxel, blurred by a Gaussian and
// scaled so its peak is 1. No clicks in a channel leaves it zero (DeepEdit's automatic mode).

import Foundation
import Segmenters
import Volume

public enum Guidance {
    /// One map on a grid of `shape` (i, j, k); σ in voxels (not along an axis of size 1).
    ///
    /// The same values as smoothing the impulses with `GaussianSmoothing` (kernel cut at 3σ, edges repeating the
    /// border), but built click by click as products of 1D profiles over each click's small box: smoothing a whole
    /// 128³ grid per channel cost more than the network's first layer.
    public static func map(_ clicks: [VoxelIndex], shape: [Int], sigma: Double) -> [Float] {
        var values = [Float](repeating: 0, count: shape[0] * shape[1] * shape[2])
        var seen = Set<VoxelIndex>()
        let inside = clicks.filter { c in (0..<3).allSatisfy { c[$0] >= 0 && c[$0] < shape[$0] } && seen.insert(c).inserted }
        guard !inside.isEmpty else { return values }
        let kernels = shape.map { GaussianSmoothing.kernel(sigma: $0 > 1 && sigma > 0 ? sigma : 0) }
        var peak: Float = 0
        for c in inside {
            let p = (0..<3).map { profile(at: c[$0], length: shape[$0], kernel: kernels[$0]) }
            for (k, wk) in p[2] {
                for (j, wj) in p[1] {
                    let row = shape[0] * (j + shape[1] * k), wjk = wj * wk
                    for (i, wi) in p[0] {
                        values[row + i] += wi * wjk
                        peak = max(peak, values[row + i])
                    }
                }
            }
        }
        if peak > 0 { for n in values.indices where values[n] != 0 { values[n] /= peak } }
        return values
    }

    /// How well each voxel is connected to the clicked tissue, in [0, 1]: 1 − (the least intensity step a path
    /// from a click must cross to reach it) / `range`, 0 beyond. The path's cost is the largest difference on it
    /// between the smoothed image and the intensity at the nearest-valued click: a region grower's answer for every
    /// threshold at once. It holds the same value deep inside a large organ as next to the click, which a network
    /// of small kernels cannot see from a Gaussian click alone. Zeros when no click is on the grid.
    public static func connectivity(_ image: [Float], to clicks: [VoxelIndex], shape: [Int], range: Float = 0.3) -> [Float] {
        let count = image.count
        precondition(count == shape.reduce(1, *), "the image does not fill the grid")
        let inside = clicks.filter { c in (0..<3).allSatisfy { c[$0] >= 0 && c[$0] < shape[$0] } }
        guard !inside.isEmpty else { return [Float](repeating: 0, count: count) }
        // σ of one voxel: noise would otherwise put a barrier in every path.
        let smooth = GaussianSmoothing.apply(image, shape: shape, sigma: shape.map { $0 > 1 ? 1 : 0 })
        let references = inside.map { smooth[$0.i + shape[0] * ($0.j + shape[1] * $0.k)] }
        // Barriers in `levels` steps of the range: a bucket queue floods in linear time.
        let levels = 64
        let levelOf = smooth.map { value -> UInt8 in
            var step = Float.infinity
            for r in references { step = min(step, abs(value - r)) }
            return UInt8(min(levels, Int((step / range * Float(levels)).rounded(.up))))
        }
        var barrier = [UInt8](repeating: UInt8(levels + 1), count: count)
        var buckets = [[Int32]](repeating: [], count: levels + 1)
        for c in inside {
            let n = c.i + shape[0] * (c.j + shape[1] * c.k)
            barrier[n] = 0
            buckets[0].append(Int32(n))
        }
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        let plane = ni * nj
        var done = [Bool](repeating: false, count: count)
        var stack: [Int32] = []
        barrier.withUnsafeMutableBufferPointer { barrier in
        done.withUnsafeMutableBufferPointer { done in
        levelOf.withUnsafeBufferPointer { levelOf in
            for current in 0...levels {
                // Most steps stay at the level being flooded: they go on a local stack, not back into the buckets.
                stack = buckets[current]
                buckets[current] = []
                while let popped = stack.popLast() {
                    let n = Int(popped)
                    if done[n] { continue }
                    done[n] = true
                    let i = n % ni, j = (n / ni) % nj, k = n / plane
                    let flood = Flood(barrier: barrier, done: done, levelOf: levelOf, level: current)
                    if i > 0 { flood.relax(n - 1, &stack, &buckets) }
                    if i < ni - 1 { flood.relax(n + 1, &stack, &buckets) }
                    if j > 0 { flood.relax(n - ni, &stack, &buckets) }
                    if j < nj - 1 { flood.relax(n + ni, &stack, &buckets) }
                    if k > 0 { flood.relax(n - plane, &stack, &buckets) }
                    if k < nk - 1 { flood.relax(n + plane, &stack, &buckets) }
                }
            }
        } } }
        return barrier.map { Float(max(0, levels - Int($0))) / Float(levels) }
    }

    /// An impulse at `c` on a line of `length`, smoothed by `kernel` with the border value repeated: the non-zero
    /// (position, weight) pairs.
    static func profile(at c: Int, length: Int, kernel: [Float]) -> [(Int, Float)] {
        let radius = kernel.count / 2
        return (max(0, c - radius)...min(length - 1, c + radius)).map { t in
            var sum: Float = 0
            for (w, weight) in kernel.enumerated() where min(max(t + w - radius, 0), length - 1) == c { sum += weight }
            return (t, sum)
        }
    }
}

/// One step of the connectivity flood at `level`: a neighbour is reached over its own barrier or the level's,
/// whichever is higher, and queued where that leaves it.
private struct Flood {
    let barrier: UnsafeMutableBufferPointer<UInt8>
    let done: UnsafeMutableBufferPointer<Bool>
    let levelOf: UnsafeBufferPointer<UInt8>
    let level: Int

    @inline(__always)
    func relax(_ m: Int, _ stack: inout [Int32], _ buckets: inout [[Int32]]) {
        guard !done[m] else { return }
        let through = max(level, Int(levelOf[m]))
        guard through < Int(barrier[m]) else { return }
        barrier[m] = UInt8(through)
        if through == level { stack.append(Int32(m)) } else { buckets[through].append(Int32(m)) }
    }
}

/// Clicks on the model grid, by channel: DeepGrow has foreground and background; DeepEdit one list per label
/// value, with 0 for background.
public struct ClickSet: Sendable, Equatable {
    public var byLabel: [UInt16: [VoxelIndex]]

    public init(_ byLabel: [UInt16: [VoxelIndex]] = [:]) { self.byLabel = byLabel }

    public static func deepGrow(foreground: [VoxelIndex], background: [VoxelIndex]) -> ClickSet {
        ClickSet([1: foreground, 0: background])
    }

    public var foreground: [VoxelIndex] { byLabel.filter { $0.key != 0 }.flatMap(\.value) }
    public var background: [VoxelIndex] { byLabel[0] ?? [] }
    public var isEmpty: Bool { byLabel.values.allSatisfy(\.isEmpty) }
    public var count: Int { byLabel.values.reduce(0) { $0 + $1.count } }

    public mutating func add(_ v: VoxelIndex, label: UInt16) { byLabel[label, default: []].append(v) }

    /// The same clicks moved by `offset` (into a crop's coordinates).
    public func shifted(by offset: VoxelIndex) -> ClickSet {
        ClickSet(byLabel.mapValues { $0.map { VoxelIndex($0.i - offset.i, $0.j - offset.j, $0.k - offset.k) } })
    }
}

extension ClickSet {
    /// The annotator's clicks by channel: positive clicks under their label, negative ones under 0 (background).
    public init(_ clicks: [Click]) {
        var byLabel: [UInt16: [VoxelIndex]] = [:]
        for click in clicks { byLabel[click.positive ? click.label : 0, default: []].append(click.voxel) }
        self.init(byLabel)
    }
}
