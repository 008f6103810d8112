// A multi-scale filter bank, as ilastik computes for its pixel classifier: at each scale (a Gaussian's σ in
// millimetres, so that anisotropic voxels behave), the smoothed intensity, its gradient magnitude, its Laplacian
// and the three eigenvalues of its Hessian. These tell a tissue's interior from its rim (the gradient), blobs from
// tubes from sheets (the Hessian's eigenvalues) and bright spots from dark ones (the Laplacian), which intensity
// alone cannot: the features a classifier trained on the user's seeds learns from.
// Derivatives are central differences of the smoothed volume in millimetres; slices are spread over the cores.

import Dispatch
import Foundation
import Parallelism
import Volume

public struct FilterBank: Sendable {
    /// One feature of the bank: what it is and at which scale.
    public struct Feature: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case smoothed, gradientMagnitude, laplacian, hessianSmallest, hessianMiddle, hessianLargest
        }
        public var kind: Kind
        public var sigmaMM: Double
        public var description: String { "\(kind.rawValue) σ \(sigmaMM) mm" }
    }

    public let features: [Feature]
    /// One array per feature, laid out as the input (i fastest).
    public let values: [[Float]]

    /// The bank of `intensities` (shape `shape`, voxel size `spacing` in mm) at each of `scalesMM`.
    public init(_ intensities: [Float], shape: [Int], spacing: [Double], scalesMM: [Double] = [1, 2, 4]) {
        var features: [Feature] = []
        var values: [[Float]] = []
        for sigma in scalesMM {
            // A scale finer than half a voxel along an axis is no smoothing there.
            let voxels = (0..<3).map { axis in shape[axis] > 1 ? max(sigma / spacing[axis], 0) : 0 }
            let smoothed = GaussianSmoothing.apply(intensities, shape: shape, sigma: voxels.map { $0 >= 0.5 ? $0 : 0 })
            let derived = FilterBank.derivatives(smoothed, shape: shape, spacing: spacing)
            features += [.smoothed, .gradientMagnitude, .laplacian, .hessianSmallest, .hessianMiddle, .hessianLargest]
                .map { Feature(kind: $0, sigmaMM: sigma) }
            values += [smoothed] + derived
        }
        self.features = features
        self.values = values
    }

    /// Gradient magnitude, Laplacian and the Hessian's eigenvalues (ascending) of a smoothed volume.
    static func derivatives(_ f: [Float], shape: [Int], spacing: [Double]) -> [[Float]] {
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        let count = f.count
        let (hx, hy, hz) = (Float(spacing[0]), Float(spacing[1]), Float(spacing[2]))
        var flat = [Float](repeating: 0, count: count * 5)
        flat.withUnsafeMutableBufferPointer { out in
            f.withUnsafeBufferPointer { source in
                let target = UncheckedBox(out.baseAddress!)
                let input = UncheckedBox(source.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: nk) { k in
                    let (o, v) = (target.value, input.value)
                    // Steps to the neighbours; at an edge the step is 0 (the border value repeats), so a one-voxel
                    // axis has no derivative.
                    let (km, kp) = (k > 0 ? -ni * nj : 0, k < nk - 1 ? ni * nj : 0)
                    for j in 0..<nj {
                        let (jm, jp) = (j > 0 ? -ni : 0, j < nj - 1 ? ni : 0)
                        for i in 0..<ni {
                            let (im, ip) = (i > 0 ? -1 : 0, i < ni - 1 ? 1 : 0)
                            let n = i + ni * (j + nj * k)
                            let c = v[n]
                            let fx = (v[n + ip] - v[n + im]) / (2 * hx)
                            let fy = (v[n + jp] - v[n + jm]) / (2 * hy)
                            let fz = (v[n + kp] - v[n + km]) / (2 * hz)
                            let fxx = (v[n + ip] - 2 * c + v[n + im]) / (hx * hx)
                            let fyy = (v[n + jp] - 2 * c + v[n + jm]) / (hy * hy)
                            let fzz = (v[n + kp] - 2 * c + v[n + km]) / (hz * hz)
                            let fxy = (v[n + ip + jp] - v[n + ip + jm] - v[n + im + jp] + v[n + im + jm]) / (4 * hx * hy)
                            let fxz = (v[n + ip + kp] - v[n + ip + km] - v[n + im + kp] + v[n + im + km]) / (4 * hx * hz)
                            let fyz = (v[n + jp + kp] - v[n + jp + km] - v[n + jm + kp] + v[n + jm + km]) / (4 * hy * hz)
                            o[n] = (fx * fx + fy * fy + fz * fz).squareRoot()
                            o[count + n] = fxx + fyy + fzz
                            let e = FilterBank.symmetricEigenvalues(fxx, fyy, fzz, fxy, fyz, fxz)
                            (o[2 * count + n], o[3 * count + n], o[4 * count + n]) = e
                        }
                    }
                }
            }
        }
        return (0..<5).map { Array(flat[$0 * count..<($0 + 1) * count]) }
    }

    /// Eigenvalues, ascending, of the symmetric matrix [[a, d, f], [d, b, e], [f, e, c]], by the trigonometric
    /// closed form.
    static func symmetricEigenvalues(_ fa: Float, _ fb: Float, _ fc: Float, _ fd: Float, _ fe: Float, _ ff: Float) -> (Float, Float, Float) {
        let (a, b, c) = (Double(fa), Double(fb), Double(fc))
        let (d, e, f) = (Double(fd), Double(fe), Double(ff))
        let offDiagonal = d * d + e * e + f * f
        if offDiagonal < 1e-18 {
            let sorted = [a, b, c].sorted()
            return (Float(sorted[0]), Float(sorted[1]), Float(sorted[2]))
        }
        let q = (a + b + c) / 3
        let p2 = (a - q) * (a - q) + (b - q) * (b - q) + (c - q) * (c - q) + 2 * offDiagonal
        let p = (p2 / 6).squareRoot()
        // B = (A − qI) / p; its determinant / 2 is cos(3φ).
        let (ba, bb, bc) = ((a - q) / p, (b - q) / p, (c - q) / p)
        let (bd, be, bf) = (d / p, e / p, f / p)
        let determinant = ba * (bb * bc - be * be) - bd * (bd * bc - be * bf) + bf * (bd * be - bb * bf)
        let phi = acos(min(max(determinant / 2, -1), 1)) / 3
        let largest = q + 2 * p * cos(phi)
        let smallest = q + 2 * p * cos(phi + 2 * .pi / 3)
        let middle = 3 * q - largest - smallest
        return (Float(smallest), Float(middle), Float(largest))
    }
}
