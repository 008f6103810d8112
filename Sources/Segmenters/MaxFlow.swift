// Boykov–Kolmogorov max-flow ("An Experimental Comparison of Min-Cut/Max-Flow Algorithms for Energy
// Minimization in Vision", 2004) on a GridGraph: two search trees grown from the terminals, augmentation
// along the path where they meet, and adoption of orphaned nodes, with the timestamp/distance heuristic.
// Everything lives in flat arrays indexed by node.
import Volume


public struct MinCut: Sendable {
    public var flow: Double
    /// True for live nodes on the source side (reachable from the source in the residual graph), in live-grid
    /// order (i fastest).
    public var sourceSide: [Bool]
}

extension GridGraph {
    static let free: UInt8 = 0
    static let terminalParent: UInt8 = 254
    static let orphan: UInt8 = 255

    /// Computes a maximum flow and the minimum cut it proves. The graph's residual capacities are consumed.
    /// Throws `CancellationError` soon after `cancellation` is set.
    public mutating func minimumCut(cancellation: Cancellation? = nil) throws -> MinCut {
        var cancelled = false
        let n = nodeCount, dirs = directions
        // Per-node state in raw buffers: this loop is the whole cost of a cut, and arrays captured by the
        // closures below would pay for reference counting and bounds checks on every access.
        // parent[p]: 0 free, 1…dirs = (direction from p to its parent) + 1, terminal, orphan.
        let parent = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
        parent.initialize(repeating: GridGraph.free, count: n)
        let isSink = UnsafeMutablePointer<Bool>.allocate(capacity: n)
        isSink.initialize(repeating: false, count: n)
        let queued = UnsafeMutablePointer<Bool>.allocate(capacity: n)
        queued.initialize(repeating: false, count: n)
        let timestamp = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        timestamp.initialize(repeating: 0, count: n)
        // Distances only guide the choice of parents, so 16 bits (saturating) are enough.
        let distance = UnsafeMutablePointer<UInt16>.allocate(capacity: n)
        distance.initialize(repeating: 0, count: n)
        defer {
            parent.deallocate(); isSink.deallocate(); queued.deallocate(); timestamp.deallocate(); distance.deallocate()
        }
        var active = [Int32]()
        var activeHead = 0
        var orphans = [Int32]()
        var flow = initialFlow
        var time: Int32 = 0

        for p in 0..<n where terminal[p] != 0 {
            parent[p] = GridGraph.terminalParent
            isSink[p] = terminal[p] < 0
            distance[p] = 1
            queued[p] = true
            active.append(Int32(p))
        }

        arcs.withUnsafeMutableBufferPointer { cap in
        terminal.withUnsafeMutableBufferPointer { tr in
        offsets.withUnsafeBufferPointer { offset in
        opposite.withUnsafeBufferPointer { opp in
            @inline(__always) func activate(_ p: Int) {
                if !queued[p] { queued[p] = true; active.append(Int32(p)) }
            }
            @inline(__always) func parentOf(_ p: Int) -> Int { p + offset[Int(parent[p]) - 1] }

            var current = -1
            var steps = 0
            while true {
                steps &+= 1
                if steps & 0xFFF == 0, cancellation?.isCancelled == true { cancelled = true; break }
                // Next active node (the current one stays while it keeps finding paths).
                var p = current
                if p < 0 || parent[p] == GridGraph.free {
                    p = -1
                    while activeHead < active.count {
                        let candidate = Int(active[activeHead])
                        activeHead += 1
                        queued[candidate] = false
                        if parent[candidate] != GridGraph.free { p = candidate; break }
                    }
                    if activeHead > 1 << 20 && activeHead * 2 > active.count {
                        active.removeFirst(activeHead)
                        activeHead = 0
                    }
                    if p < 0 { break }
                }
                current = -1

                // Grow the tree of p; stop at the first arc reaching the other tree.
                var meetFrom = -1, meetDirection = -1   // arc meetFrom → along meetDirection, source side to sink side
                let pSink = isSink[p]
                for d in 0..<dirs {
                    let q = p + offset[d]
                    let residual = pSink ? cap[q * dirs + opp[d]] : cap[p * dirs + d]
                    guard residual > 0 else { continue }
                    if parent[q] == GridGraph.free {
                        isSink[q] = pSink
                        parent[q] = UInt8(opp[d] + 1)
                        timestamp[q] = timestamp[p]
                        distance[q] = distance[p] &+ (distance[p] < UInt16.max ? 1 : 0)
                        activate(q)
                    } else if isSink[q] != pSink {
                        if pSink { meetFrom = q; meetDirection = opp[d] } else { meetFrom = p; meetDirection = d }
                        break
                    } else if timestamp[q] <= timestamp[p] && distance[q] > distance[p] {
                        // q could be closer to the terminal through p.
                        parent[q] = UInt8(opp[d] + 1)
                        timestamp[q] = timestamp[p]
                        distance[q] = distance[p] &+ (distance[p] < UInt16.max ? 1 : 0)
                    }
                }
                guard meetFrom >= 0 else { continue }
                current = p
                time += 1

                // Augment: the bottleneck along source → meetFrom → meetTo → sink.
                let meetTo = meetFrom + offset[meetDirection]
                var bottleneck = cap[meetFrom * dirs + meetDirection]
                var x = meetFrom
                while parent[x] != GridGraph.terminalParent {
                    let d = Int(parent[x]) - 1
                    bottleneck = min(bottleneck, cap[(x + offset[d]) * dirs + opp[d]])
                    x += offset[d]
                }
                bottleneck = min(bottleneck, tr[x])
                x = meetTo
                while parent[x] != GridGraph.terminalParent {
                    let d = Int(parent[x]) - 1
                    bottleneck = min(bottleneck, cap[x * dirs + d])
                    x += offset[d]
                }
                bottleneck = min(bottleneck, -tr[x])

                cap[meetFrom * dirs + meetDirection] -= bottleneck
                cap[meetTo * dirs + opp[meetDirection]] += bottleneck
                x = meetFrom
                while parent[x] != GridGraph.terminalParent {
                    let d = Int(parent[x]) - 1
                    let y = x + offset[d]
                    cap[x * dirs + d] += bottleneck
                    cap[y * dirs + opp[d]] -= bottleneck
                    if cap[y * dirs + opp[d]] <= 0 { parent[x] = GridGraph.orphan; orphans.append(Int32(x)) }
                    x = y
                }
                tr[x] -= bottleneck
                if tr[x] <= 0 { parent[x] = GridGraph.orphan; orphans.append(Int32(x)) }
                x = meetTo
                while parent[x] != GridGraph.terminalParent {
                    let d = Int(parent[x]) - 1
                    let y = x + offset[d]
                    cap[y * dirs + opp[d]] += bottleneck
                    cap[x * dirs + d] -= bottleneck
                    if cap[x * dirs + d] <= 0 { parent[x] = GridGraph.orphan; orphans.append(Int32(x)) }
                    x = y
                }
                tr[x] += bottleneck
                if tr[x] >= 0 { parent[x] = GridGraph.orphan; orphans.append(Int32(x)) }
                flow += Double(bottleneck)

                // Adopt the orphans: a new parent in the same tree whose path reaches the terminal, or freedom.
                var orphanHead = 0
                while orphanHead < orphans.count {
                    let o = Int(orphans[orphanHead])
                    orphanHead += 1
                    let oSink = isSink[o]
                    var bestDirection = -1
                    var bestDistance = Int.max
                    for d in 0..<dirs {
                        let q = o + offset[d]
                        guard parent[q] != GridGraph.free, isSink[q] == oSink else { continue }
                        let residual = oSink ? cap[o * dirs + d] : cap[q * dirs + opp[d]]
                        guard residual > 0 else { continue }
                        // Does q's path reach the terminal? Count its length on the way.
                        var length = 0
                        var y = q
                        var valid = true
                        while true {
                            if timestamp[y] == time { length += Int(distance[y]); break }
                            length += 1
                            let py = parent[y]
                            if py == GridGraph.terminalParent { timestamp[y] = time; distance[y] = 1; break }
                            if py == GridGraph.orphan { valid = false; break }
                            y += offset[Int(py) - 1]
                        }
                        guard valid else { continue }
                        if length < bestDistance { bestDistance = length; bestDirection = d }
                        // Mark the path so later checks stop early.
                        y = q
                        var mark = length
                        while timestamp[y] != time {
                            timestamp[y] = time
                            distance[y] = UInt16(clamping: mark)
                            mark -= 1
                            y += offset[Int(parent[y]) - 1]
                        }
                    }
                    if bestDirection >= 0 {
                        parent[o] = UInt8(bestDirection + 1)
                        timestamp[o] = time
                        distance[o] = UInt16(clamping: bestDistance + 1)
                        continue
                    }
                    // No parent: o becomes free; its neighbours may grow into it again, its children are orphans.
                    parent[o] = GridGraph.free
                    for d in 0..<dirs {
                        let q = o + offset[d]
                        guard parent[q] != GridGraph.free, isSink[q] == oSink else { continue }
                        let residual = oSink ? cap[o * dirs + d] : cap[q * dirs + opp[d]]
                        if residual > 0 { activate(q) }
                        let pq = parent[q]
                        if pq != GridGraph.terminalParent && pq != GridGraph.orphan && q + offset[Int(pq) - 1] == o {
                            parent[q] = GridGraph.orphan
                            orphans.append(Int32(q))
                        }
                    }
                }
                orphans.removeAll(keepingCapacity: true)
            }
        }
        }
        }
        }

        if cancelled { throw CancellationError() }
        var sourceSide = [Bool](repeating: false, count: shape[0] * shape[1] * shape[2])
        var index = 0
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let p = node(i, j, k)
            sourceSide[index] = parent[p] != GridGraph.free && !isSink[p]
            index += 1
        } } }
        return MinCut(flow: flow, sourceSide: sourceSide)
    }
}
