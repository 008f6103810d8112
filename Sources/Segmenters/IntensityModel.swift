// Likelihood of a voxel's features under one class, fitted on the scribbled voxels of that class: a histogram
// of intensity with one pseudo-count per bin (so a class with few or no samples still has a density), or a
// Gaussian mixture with diagonal covariances fitted by EM on the CPU.

import Foundation

/// Per-voxel features of a region: `values[feature][voxel]`, every feature scaled to [0, 1].
public struct Features: Sendable {
    public var values: [[Float]]
    public var count: Int { values.first?.count ?? 0 }
    public var dimensions: Int { values.count }

    /// Normalised intensity, and with `localMean` the mean over the 3×3×3 neighbourhood as a second feature.
    public init(intensities: [Float], shape: [Int], localMean: Bool) {
        values = [intensities]
        if localMean { values.append(Features.boxMean(intensities, shape: shape)) }
    }

    static func boxMean(_ values: [Float], shape: [Int]) -> [Float] {
        var current = values
        let strides = [1, shape[0], shape[0] * shape[1]]
        for axis in 0..<3 where shape[axis] > 1 {
            var next = current
            for index in 0..<current.count {
                let position = (index / strides[axis]) % shape[axis]
                var sum = current[index], n: Float = 1
                if position > 0 { sum += current[index - strides[axis]]; n += 1 }
                if position < shape[axis] - 1 { sum += current[index + strides[axis]]; n += 1 }
                next[index] = sum / n
            }
            current = next
        }
        return current
    }
}

public enum IntensityModel: Sendable {
    case histogram(bins: [Float])
    case mixture(GaussianMixture)

    public enum Kind: String, Sendable, CaseIterable {
        /// Kernel densities of the seeds, the background unmixed from the region (`SeedLikelihood`).
        case kde
        case histogram, gmm
        /// No likelihood and no cut: the GrowCut cellular automaton from the seeds (`GrowCut`).
        case growcut
        /// A random forest on the filter bank, trained on the seeds and the region's border (`ForestLikelihood`).
        case forest
    }

    /// Fits a model of `kind` on the features of the given voxels (indices into the region).
    public static func fit(_ kind: Kind, features: Features, samples: [Int], bins: Int = 64, components: Int = 3) -> IntensityModel {
        switch kind {
        case .histogram, .kde, .growcut, .forest:
            var counts = [Float](repeating: 0, count: bins)
            for s in samples { counts[bin(features.values[0][s], bins)] += 1 }
            // Spread each count over its neighbours: a few scribbled voxels stand for nearby intensities too.
            let kernel: [Float] = [1, 4, 6, 4, 1].map { $0 / 16 }
            counts = (0..<bins).map { b in
                (-2...2).reduce(Float(0)) { sum, o in sum + kernel[o + 2] * counts[min(bins - 1, max(0, b + o))] }
            }
            // Pseudo-counts in proportion to the samples (one per bin when there are none), so that an intensity
            // neither class has seen is equally likely under both, however many voxels each class has.
            let pseudo = Float(max(samples.count, 1)) * 0.25 / Float(bins)
            let total = Float(samples.count) + pseudo * Float(bins)
            return .histogram(bins: counts.map { ($0 + pseudo) / total * Float(bins) })
        case .gmm:
            let points = samples.count > 20000 ? stride(from: 0, to: samples.count, by: samples.count / 20000).map { samples[$0] } : samples
            return .mixture(GaussianMixture(fitting: points.map { s in features.values.map { $0[s] } }, components: components))
        }
    }

    @inline(__always)
    static func bin(_ x: Float, _ bins: Int) -> Int { min(bins - 1, max(0, Int(x * Float(bins)))) }

    /// Density of one voxel's features.
    @inline(__always)
    public func density(_ features: Features, _ voxel: Int) -> Float {
        switch self {
        case .histogram(let bins): bins[IntensityModel.bin(features.values[0][voxel], bins.count)]
        case .mixture(let mixture): mixture.density(features, voxel)
        }
    }
}

/// A Gaussian mixture with diagonal covariances.
public struct GaussianMixture: Sendable {
    public var weights: [Float]
    public var means: [[Float]]
    public var variances: [[Float]]
    /// Variance floor in normalised units (a standard deviation of 1% of the window).
    static let minimumVariance: Float = 1e-4

    public init(fitting points: [[Float]], components requested: Int, iterations: Int = 40) {
        let dims = points.first?.count ?? 1
        // At least ~20 points per component, so that a click's few voxels give one broad Gaussian, not spikes.
        let k = max(1, min(requested, points.count / 20))
        guard !points.isEmpty else {
            // No samples: a flat density over [0, 1].
            weights = [1]; means = [[Float](repeating: 0.5, count: dims)]; variances = [[Float](repeating: 1, count: dims)]
            return
        }
        // Start at evenly spaced quantiles of the first feature.
        let order = points.indices.sorted { points[$0][0] < points[$1][0] }
        means = (0..<k).map { c in points[order[min(points.count - 1, (2 * c + 1) * points.count / (2 * k))]] }
        var variance = [Float](repeating: 0, count: dims)
        let mean = (0..<dims).map { d in points.reduce(0) { $0 + $1[d] } / Float(points.count) }
        for p in points { for d in 0..<dims { variance[d] += (p[d] - mean[d]) * (p[d] - mean[d]) } }
        variances = (0..<k).map { _ in variance.map { max($0 / Float(points.count) / Float(k), GaussianMixture.minimumVariance) } }
        weights = [Float](repeating: 1 / Float(k), count: k)

        var responsibility = [Float](repeating: 0, count: points.count * k)
        var previous = -Double.infinity
        for _ in 0..<iterations {
            // E step.
            var logLikelihood = 0.0
            for (n, p) in points.enumerated() {
                var total: Float = 0
                for c in 0..<k {
                    let r = weights[c] * GaussianMixture.gaussian(p, means[c], variances[c])
                    responsibility[n * k + c] = r
                    total += r
                }
                if total > 1e-30 {
                    for c in 0..<k { responsibility[n * k + c] /= total }
                } else {
                    // Far from every component (densities underflow): it belongs to the nearest one.
                    var nearest = 0, distance = Float.infinity
                    for c in 0..<k {
                        var d: Float = 0
                        for j in 0..<dims { d += (p[j] - means[c][j]) * (p[j] - means[c][j]) / variances[c][j] }
                        if d < distance { distance = d; nearest = c }
                    }
                    for c in 0..<k { responsibility[n * k + c] = c == nearest ? 1 : 0 }
                }
                logLikelihood += log(Double(max(total, 1e-30)))
            }
            // M step.
            for c in 0..<k {
                var mass: Float = 0
                var sum = [Float](repeating: 0, count: dims)
                for (n, p) in points.enumerated() {
                    let r = responsibility[n * k + c]
                    mass += r
                    for d in 0..<dims { sum[d] += r * p[d] }
                }
                guard mass > 1e-6 else { continue }
                let m = sum.map { $0 / mass }
                var v = [Float](repeating: 0, count: dims)
                for (n, p) in points.enumerated() {
                    let r = responsibility[n * k + c]
                    for d in 0..<dims { v[d] += r * (p[d] - m[d]) * (p[d] - m[d]) }
                }
                means[c] = m
                variances[c] = v.map { max($0 / mass, GaussianMixture.minimumVariance) }
                weights[c] = mass / Float(points.count)
            }
            if abs(logLikelihood - previous) < 1e-4 * abs(logLikelihood) { break }
            previous = logLikelihood
        }
    }

    @inline(__always)
    static func gaussian(_ x: [Float], _ mean: [Float], _ variance: [Float]) -> Float {
        var exponent: Float = 0, norm: Float = 1
        for d in 0..<x.count {
            let diff = x[d] - mean[d]
            exponent += diff * diff / variance[d]
            norm *= (2 * .pi * variance[d]).squareRoot()
        }
        return exp(-0.5 * exponent) / norm
    }

    @inline(__always)
    public func density(_ features: Features, _ voxel: Int) -> Float {
        var total: Float = 0
        for c in 0..<weights.count {
            var exponent: Float = 0, norm: Float = 1
            for d in 0..<features.dimensions {
                let diff = features.values[d][voxel] - means[c][d]
                exponent += diff * diff / variances[c][d]
                norm *= (2 * .pi * variances[c][d]).squareRoot()
            }
            total += weights[c] * exp(-0.5 * exponent) / norm
        }
        return total
    }
}
