// Orientation as a value: for each voxel axis, the world (RAS) axis it runs along and in which direction.
// Computed as nibabel's io_orientation does: the closest rotation to the affine's direction cosines, then
// each voxel axis in turn takes the world axis it changes most.

public enum WorldAxis: Int, Sendable, Codable, CaseIterable {
    case x = 0, y = 1, z = 2   // R, A, S in RAS+
}

public struct AxisDirection: Sendable, Equatable, Codable {
    public var axis: WorldAxis
    /// +1 when the voxel index grows toward R, A or S; −1 toward L, P or I.
    public var sign: Int

    public init(axis: WorldAxis, sign: Int) {
        self.axis = axis
        self.sign = sign
    }

    /// The anatomical letter the index runs toward ("R", "L", "A", "P", "S", "I").
    public var code: String {
        switch (axis, sign > 0) {
        case (.x, true): "R"
        case (.x, false): "L"
        case (.y, true): "A"
        case (.y, false): "P"
        case (.z, true): "S"
        case (.z, false): "I"
        }
    }

    public var oppositeCode: String { AxisDirection(axis: axis, sign: -sign).code }
}

public struct Orientation: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One entry per voxel axis i, j, k.
    public var axes: [AxisDirection]

    public init(axes: [AxisDirection]) {
        precondition(axes.count == 3, "an orientation covers three voxel axes")
        self.axes = axes
    }

    public static let ras = Orientation(axes: [
        AxisDirection(axis: .x, sign: 1), AxisDirection(axis: .y, sign: 1), AxisDirection(axis: .z, sign: 1),
    ])

    /// Parses codes such as "RAS" or "LPS".
    public init?(codes: String) {
        var axes: [AxisDirection] = []
        for letter in codes.uppercased() {
            switch letter {
            case "R": axes.append(AxisDirection(axis: .x, sign: 1))
            case "L": axes.append(AxisDirection(axis: .x, sign: -1))
            case "A": axes.append(AxisDirection(axis: .y, sign: 1))
            case "P": axes.append(AxisDirection(axis: .y, sign: -1))
            case "S": axes.append(AxisDirection(axis: .z, sign: 1))
            case "I": axes.append(AxisDirection(axis: .z, sign: -1))
            default: return nil
            }
        }
        guard axes.count == 3, Set(axes.map(\.axis)).count == 3 else { return nil }
        self.axes = axes
    }

    public init(affine: Affine) {
        var rs = affine.linear
        for c in 0..<3 {
            let norm = (0..<3).reduce(0.0) { $0 + rs[$1][c] * rs[$1][c] }.squareRoot()
            if norm > 0 { for r in 0..<3 { rs[r][c] /= norm } }
        }
        var r = Orientation.closestRotation(rs)
        var axes: [AxisDirection] = []
        var used = Set<Int>()
        for inAxis in 0..<3 {
            var best = -1
            var bestValue = 0.0
            for outAxis in 0..<3 where abs(r[outAxis][inAxis]) > bestValue {
                best = outAxis
                bestValue = abs(r[outAxis][inAxis])
            }
            if best < 0 || bestValue < 1e-8 {
                // A degenerate column: give it the first world axis nobody took, pointing forward.
                best = (0..<3).first { !used.contains($0) } ?? 0
                axes.append(AxisDirection(axis: WorldAxis(rawValue: best)!, sign: 1))
            } else {
                axes.append(AxisDirection(axis: WorldAxis(rawValue: best)!, sign: r[best][inAxis] < 0 ? -1 : 1))
            }
            used.insert(best)
            for c in 0..<3 { r[best][c] = 0 }
        }
        self.axes = axes
    }

    /// The polar factor of a 3×3 matrix (the nearest rotation or reflection), by Newton iteration.
    static func closestRotation(_ m: [[Double]]) -> [[Double]] {
        var q = m
        for _ in 0..<50 {
            guard let inverse = Affine(rows: q.map { $0 + [0] } + [[0, 0, 0, 1]]).inverse else { return m }
            let inv = inverse.linear
            var next = q
            var change = 0.0
            for r in 0..<3 {
                for c in 0..<3 {
                    next[r][c] = 0.5 * (q[r][c] + inv[c][r])
                    change = max(change, abs(next[r][c] - q[r][c]))
                }
            }
            q = next
            if change < 1e-14 { break }
        }
        return q
    }

    /// Codes such as "RAS" or "LPS", one letter per voxel axis.
    public var axcodes: String { axes.map(\.code).joined() }

    public var description: String { axcodes }

    /// The voxel axis that runs along a world axis.
    public func voxelAxis(along world: WorldAxis) -> Int {
        axes.firstIndex { $0.axis == world }!
    }
}
