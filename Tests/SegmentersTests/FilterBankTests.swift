// The filter bank's features against what the calculus says they are: a ramp's slope, a bowl's curvatures, a
// bright blob's Laplacian and a tube's Hessian, on anisotropic voxels, in millimetres.

@testable import Segmenters
import XCTest

final class FilterBankTests: XCTestCase {
    /// Samples f(x, y, z) (millimetres) on a grid of `shape` with voxel size `spacing`, centred on the origin.
    func sample(_ shape: [Int], _ spacing: [Double], _ f: (Double, Double, Double) -> Double) -> [Float] {
        var out = [Float](repeating: 0, count: shape[0] * shape[1] * shape[2])
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let (x, y, z) = ((Double(i) - Double(shape[0] - 1) / 2) * spacing[0], (Double(j) - Double(shape[1] - 1) / 2) * spacing[1],
                             (Double(k) - Double(shape[2] - 1) / 2) * spacing[2])
            out[i + shape[0] * (j + shape[1] * k)] = Float(f(x, y, z))
        } } }
        return out
    }

    func feature(_ bank: FilterBank, _ kind: FilterBank.Feature.Kind, _ sigma: Double) -> [Float] {
        bank.values[bank.features.firstIndex { $0.kind == kind && $0.sigmaMM == sigma }!]
    }

    func testARampAndABowlGiveTheirSlopeAndCurvaturesInMillimetres() {
        let shape = [21, 17, 9], spacing = [0.8, 1.1, 2.5]
        let centre = 10 + 21 * (8 + 17 * 4)
        let ramp = FilterBank(sample(shape, spacing) { x, y, z in 0.3 * x - 0.4 * y + 0 * z }, shape: shape, spacing: spacing, scalesMM: [1])
        XCTAssertEqual(feature(ramp, .gradientMagnitude, 1)[centre], 0.5, accuracy: 1e-4)
        XCTAssertEqual(feature(ramp, .laplacian, 1)[centre], 0, accuracy: 1e-4)

        // f = x² + 2y² + 3z²: Hessian diag(2, 4, 6), Laplacian 12, whatever the voxel size (smoothing a quadratic
        // adds only a constant).
        let bowl = FilterBank(sample(shape, spacing) { x, y, z in x * x + 2 * y * y + 3 * z * z }, shape: shape, spacing: spacing, scalesMM: [1])
        XCTAssertEqual(feature(bowl, .laplacian, 1)[centre], 12, accuracy: 0.05)
        XCTAssertEqual(feature(bowl, .hessianSmallest, 1)[centre], 2, accuracy: 0.05)
        XCTAssertEqual(feature(bowl, .hessianMiddle, 1)[centre], 4, accuracy: 0.05)
        XCTAssertEqual(feature(bowl, .hessianLargest, 1)[centre], 6, accuracy: 0.05)
    }

    func testARotatedHessianHasTheSameEigenvalues() {
        // diag(−3, 1, 5) turned 30° about z and 45° about x.
        let (c, s) = (cos(Double.pi / 6), sin(Double.pi / 6)), (c2, s2) = (cos(Double.pi / 4), sin(Double.pi / 4))
        let rz = [[c, -s, 0], [s, c, 0], [0, 0, 1]], rx = [[1, 0, 0], [0, c2, -s2], [0, s2, c2]]
        func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
        }
        let r = multiply(rx, rz)
        let d = [[-3.0, 0, 0], [0, 1, 0], [0, 0, 5]]
        let m = multiply(multiply(r, d), (0..<3).map { i in (0..<3).map { r[$0][i] } })
        let e = FilterBank.symmetricEigenvalues(Float(m[0][0]), Float(m[1][1]), Float(m[2][2]), Float(m[0][1]), Float(m[1][2]), Float(m[0][2]))
        XCTAssertEqual(e.0, -3, accuracy: 1e-4)
        XCTAssertEqual(e.1, 1, accuracy: 1e-4)
        XCTAssertEqual(e.2, 5, accuracy: 1e-4)
    }

    func testABlobAndATubeAreToldApartByTheirHessian() {
        let shape = [33, 33, 17], spacing = [1.0, 1.0, 2.0]
        let centre = 16 + 33 * (16 + 33 * 8)
        // A bright blob: all three eigenvalues strongly negative at its centre, the Laplacian lowest there.
        let blob = FilterBank(sample(shape, spacing) { x, y, z in exp(-(x * x + y * y + z * z) / (2 * 16)) }, shape: shape, spacing: spacing, scalesMM: [2])
        let laplacian = feature(blob, .laplacian, 2)
        XCTAssertEqual(laplacian.firstIndex(of: laplacian.min()!), centre)
        XCTAssertLessThan(feature(blob, .hessianLargest, 2)[centre], -0.01)
        // A bright tube along z: two negative eigenvalues across it, one near zero along it.
        let tube = FilterBank(sample(shape, spacing) { x, y, _ in exp(-(x * x + y * y) / (2 * 9)) }, shape: shape, spacing: spacing, scalesMM: [2])
        XCTAssertLessThan(feature(tube, .hessianSmallest, 2)[centre], -0.02)
        XCTAssertLessThan(feature(tube, .hessianMiddle, 2)[centre], -0.02)
        XCTAssertEqual(feature(tube, .hessianLargest, 2)[centre], 0, accuracy: 1e-3)
        // And its rim, where the intensity falls, has the largest gradient; its axis none.
        let gradient = feature(tube, .gradientMagnitude, 2)
        XCTAssertEqual(gradient[centre], 0, accuracy: 1e-4)
        XCTAssertGreaterThan(gradient[centre + 3], gradient[centre + 1])
    }
}
