// A 4×4 homogeneous transform in Double, row-major: voxel index (i, j, k) → RAS millimetres.

import Foundation

public struct Affine: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Row-major, 16 values; the last row is (0, 0, 0, 1) for every affine built here.
    public var values: [Double]

    public init(rows: [[Double]]) {
        precondition(rows.count == 4 && rows.allSatisfy { $0.count == 4 }, "an affine has 4 rows of 4")
        values = rows.flatMap { $0 }
    }

    public init(values: [Double]) {
        precondition(values.count == 16, "an affine has 16 values")
        self.values = values
    }

    public static let identity = Affine(values: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

    public static func scaling(_ x: Double, _ y: Double, _ z: Double) -> Affine {
        Affine(values: [x, 0, 0, 0, 0, y, 0, 0, 0, 0, z, 0, 0, 0, 0, 1])
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * 4 + column] }
        set { values[row * 4 + column] = newValue }
    }

    public var rows: [[Double]] { (0..<4).map { r in (0..<4).map { self[r, $0] } } }

    public static func * (a: Affine, b: Affine) -> Affine {
        var out = [Double](repeating: 0, count: 16)
        for r in 0..<4 {
            for c in 0..<4 {
                var sum = 0.0
                for k in 0..<4 { sum += a[r, k] * b[k, c] }
                out[r * 4 + c] = sum
            }
        }
        return Affine(values: out)
    }

    public func apply(_ p: (Double, Double, Double)) -> (Double, Double, Double) {
        (self[0, 0] * p.0 + self[0, 1] * p.1 + self[0, 2] * p.2 + self[0, 3],
         self[1, 0] * p.0 + self[1, 1] * p.1 + self[1, 2] * p.2 + self[1, 3],
         self[2, 0] * p.0 + self[2, 1] * p.1 + self[2, 2] * p.2 + self[2, 3])
    }

    /// The 3×3 linear part as rows.
    public var linear: [[Double]] { (0..<3).map { r in (0..<3).map { self[r, $0] } } }

    /// Length of each voxel axis in millimetres (the column norms of the linear part).
    public var columnNorms: [Double] {
        (0..<3).map { c in (0..<3).reduce(0.0) { $0 + self[$1, c] * self[$1, c] }.squareRoot() }
    }

    public var determinant3: Double {
        let m = linear
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    /// Inverse of an affine whose last row is (0, 0, 0, 1); nil when the linear part is singular.
    public var inverse: Affine? {
        let m = linear
        let det = determinant3
        guard det != 0, det.isFinite else { return nil }
        let inv: [[Double]] = [
            [(m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det, (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det,
             (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det],
            [(m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det,
             (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det],
            [(m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det, (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det,
             (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det],
        ]
        let t = (self[0, 3], self[1, 3], self[2, 3])
        var out = Affine.identity
        for r in 0..<3 {
            for c in 0..<3 { out[r, c] = inv[r][c] }
            out[r, 3] = -(inv[r][0] * t.0 + inv[r][1] * t.1 + inv[r][2] * t.2)
        }
        return out
    }

    public func isApproximatelyEqual(to other: Affine, tolerance: Double = 1e-6) -> Bool {
        zip(values, other.values).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    public var description: String {
        rows.map { row in row.map { String(format: "%10.4f", $0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}
