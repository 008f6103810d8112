// An s–t graph on a 3D voxel grid, stored flat: per node a terminal capacity and one residual capacity per
// neighbour direction. The grid carries a one-voxel border of dead nodes so that every live node's neighbours
// exist and no bounds test sits in the max-flow loops.

public struct GridGraph: Sendable {
    public enum Connectivity: Int, Sendable {
        case six = 6, twentySix = 26
    }

    /// Live nodes along each axis (the region being cut).
    public let shape: [Int]
    /// Padded shape: one dead node on each side.
    let padded: [Int]
    let connectivity: Connectivity
    /// Neighbour offsets in the padded array, one per direction, with each direction's opposite.
    let offsets: [Int]
    let opposite: [Int]
    /// The (di, dj, dk) step of each direction.
    public let steps: [(Int, Int, Int)]
    var directions: Int { offsets.count }

    /// Residual capacity of the arc from node p along direction d: `arcs[p * directions + d]`.
    var arcs: [Float]
    /// Terminal residual: > 0 from the source to the node, < 0 from the node to the sink.
    var terminal: [Float]
    /// Flow already pushed through both terminal links of a node when they were set (min of the two).
    var initialFlow: Double = 0

    public init(shape: [Int], connectivity: Connectivity = .six) {
        precondition(shape.count == 3 && shape.allSatisfy { $0 > 0 }, "a grid graph needs a 3D shape")
        self.shape = shape
        padded = shape.map { $0 + 2 }
        self.connectivity = connectivity
        var steps: [(Int, Int, Int)] = []
        for dk in -1...1 { for dj in -1...1 { for di in -1...1 {
            let order = abs(di) + abs(dj) + abs(dk)
            if order == 0 || (connectivity == .six && order != 1) { continue }
            steps.append((di, dj, dk))
        } } }
        self.steps = steps
        let strideJ = padded[0], strideK = padded[0] * padded[1]
        offsets = steps.map { $0.0 + $0.1 * strideJ + $0.2 * strideK }
        opposite = steps.map { s in steps.firstIndex { $0 == (-s.0, -s.1, -s.2) }! }
        let count = padded[0] * padded[1] * padded[2]
        arcs = [Float](repeating: 0, count: count * steps.count)
        terminal = [Float](repeating: 0, count: count)
    }

    var nodeCount: Int { padded[0] * padded[1] * padded[2] }

    /// Padded index of a live node.
    @inline(__always)
    public func node(_ i: Int, _ j: Int, _ k: Int) -> Int { (i + 1) + padded[0] * ((j + 1) + padded[1] * (k + 1)) }

    /// Sets both terminal links of a node: `source` is paid if the node ends on the sink side, `sink` if it ends
    /// on the source side. Either may be infinite (a hard constraint).
    public mutating func setTerminals(_ node: Int, source: Float, sink: Float) {
        let common = min(source, sink)
        if common.isFinite { initialFlow += Double(common) }
        terminal[node] = common.isFinite ? source - sink : (source.isInfinite && sink.isInfinite ? 0 : (source > sink ? .infinity : -.infinity))
    }

    /// Sets the capacity of the arc from `node` along direction `d` (and, separately, its reverse).
    @inline(__always)
    public mutating func setArc(_ node: Int, direction d: Int, forward: Float, backward: Float) {
        arcs[node * directions + d] = forward
        arcs[(node + offsets[d]) * directions + opposite[d]] = backward
    }

    /// Scales n-link weights so that a voxel's neighbourhood holds it as strongly with 26 neighbours as with 6:
    /// λ keeps one meaning whatever the connectivity.
    public var neighbourhoodScale: Float {
        let total = steps.reduce(0.0) { $0 + 1 / (Double($1.0 * $1.0 + $1.1 * $1.1 + $1.2 * $1.2)).squareRoot() }
        return Float(6 / total)
    }

    /// Directions whose step is "forward" (each undirected edge is visited once through these).
    public var forwardDirections: [Int] {
        (0..<steps.count).filter { d in
            let s = steps[d]
            return s.2 > 0 || (s.2 == 0 && (s.1 > 0 || (s.1 == 0 && s.0 > 0)))
        }
    }
}
