// The Boykov–Kolmogorov max-flow agrees with a plain Edmonds–Karp on many random grid graphs, and the cut it
// returns costs exactly the flow (so it is a minimum cut).

import Randomness
import Segmenters
import Volume
import VolumeTesting
import XCTest

final class MaxFlowTests: XCTestCase {
    /// A random grid graph, with its capacities kept as a dense matrix over live nodes + source + sink (when `dense`).
    func randomGraph(shape: [Int], connectivity: GridGraph.Connectivity, seed: UInt64, dense: Bool = true) -> (GridGraph, [[Double]]) {
        var random = SplitMix(seed: seed)
        var graph = GridGraph(shape: shape, connectivity: connectivity)
        let live = shape.reduce(1, *)
        let source = live, sink = live + 1
        var capacity = [[Double]](repeating: [Double](repeating: 0, count: dense ? live + 2 : 0), count: dense ? live + 2 : 0)
        func index(_ i: Int, _ j: Int, _ k: Int) -> Int { i + shape[0] * (j + shape[1] * k) }
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let p = index(i, j, k)
            let toSource = random.next() % 3 == 0 ? 0 : Double(random.next() % 10)
            let toSink = random.next() % 3 == 0 ? 0 : Double(random.next() % 10)
            graph.setTerminals(graph.node(i, j, k), source: Float(toSource), sink: Float(toSink))
            if dense {
                capacity[source][p] += toSource
                capacity[p][sink] += toSink
            }
            for d in graph.forwardDirections {
                let (di, dj, dk) = graph.steps[d]
                let (a, b, c) = (i + di, j + dj, k + dk)
                guard a >= 0, b >= 0, c >= 0, a < shape[0], b < shape[1], c < shape[2] else { continue }
                let q = index(a, b, c)
                let forward = Double(random.next() % 6), backward = Double(random.next() % 6)
                graph.setArc(graph.node(i, j, k), direction: d, forward: Float(forward), backward: Float(backward))
                if dense {
                    capacity[p][q] += forward
                    capacity[q][p] += backward
                }
            }
        } } }
        return (graph, capacity)
    }

    func edmondsKarp(_ capacity: [[Double]], source: Int, sink: Int) -> Double {
        var residual = capacity
        var flow = 0.0
        let n = capacity.count
        while true {
            var previous = [Int](repeating: -1, count: n)
            previous[source] = source
            var queue = [source], head = 0
            while head < queue.count && previous[sink] < 0 {
                let u = queue[head]; head += 1
                for v in 0..<n where previous[v] < 0 && residual[u][v] > 0 { previous[v] = u; queue.append(v) }
            }
            if previous[sink] < 0 { return flow }
            var bottleneck = Double.infinity
            var v = sink
            while v != source { bottleneck = min(bottleneck, residual[previous[v]][v]); v = previous[v] }
            v = sink
            while v != source { residual[previous[v]][v] -= bottleneck; residual[v][previous[v]] += bottleneck; v = previous[v] }
            flow += bottleneck
        }
    }

    func testFlowEqualsEdmondsKarpAndTheCutIsMinimal() throws {
        for seed in 0..<320 as Range<UInt64> {
            // Many tiny graphs of every shape, then a few larger ones where trees grow, meet and re-adopt often.
            let shape = seed < 300 ? [1 + Int(seed % 4), 1 + Int((seed / 4) % 3), 1 + Int((seed / 12) % 3)] : [8, 7, 4]
            let connectivity: GridGraph.Connectivity = seed % 2 == 0 ? .six : .twentySix
            var (graph, capacity) = randomGraph(shape: shape, connectivity: connectivity, seed: seed)
            let live = shape.reduce(1, *)
            let expected = edmondsKarp(capacity, source: live, sink: live + 1)
            let cut = try graph.minimumCut()
            XCTAssertEqual(cut.flow, expected, accuracy: 1e-6, "seed \(seed) shape \(shape) \(connectivity)")
            // The capacity of the cut: arcs from the source side to the sink side of the original graph.
            var cost = 0.0
            let side = cut.sourceSide + [true, false]
            for u in 0..<live + 2 { for v in 0..<live + 2 where side[u] && !side[v] { cost += capacity[u][v] } }
            XCTAssertEqual(cost, expected, accuracy: 1e-6, "cut cost, seed \(seed)")
        }
    }

    func testHardConstraintsHoldWithInfiniteTerminals() throws {
        // A 1D chain: the left end is forced to the source, the right end to the sink; the cheapest edge is cut.
        var graph = GridGraph(shape: [5, 1, 1])
        graph.setTerminals(graph.node(0, 0, 0), source: .infinity, sink: 0)
        graph.setTerminals(graph.node(4, 0, 0), source: 0, sink: .infinity)
        let weights: [Float] = [5, 3, 1, 4]
        let right = graph.forwardDirections.first { graph.steps[$0] == (1, 0, 0) }!
        for i in 0..<4 { graph.setArc(graph.node(i, 0, 0), direction: right, forward: weights[i], backward: weights[i]) }
        let cut = try graph.minimumCut()
        XCTAssertEqual(cut.flow, 1)
        XCTAssertEqual(cut.sourceSide, [true, true, true, false, false])
    }

    func testACancelledCutStopsWithinTheSearch() throws {
        // Large enough that the search loop runs many thousand steps.
        var (graph, _) = randomGraph(shape: [24, 24, 24], connectivity: .six, seed: 7, dense: false)
        let cancellation = Cancellation()
        cancellation.cancel()
        XCTAssertThrowsError(try graph.minimumCut(cancellation: cancellation)) { XCTAssertTrue($0 is CancellationError, "\($0)") }
        var (again, _) = randomGraph(shape: [24, 24, 24], connectivity: .six, seed: 7, dense: false)
        XCTAssertGreaterThan(try again.minimumCut(cancellation: Cancellation()).flow, 0, "a token never set changes nothing")
    }
}
