// A random forest over voxel features, trained on the user's seeds (as ilastik's pixel classifier): each tree grows
// on a bootstrap sample, each node tries a few features at random with a few random thresholds each (extremely
// randomised splits: fast enough to train on every click) and keeps the one that most lowers the Gini impurity; a
// leaf holds its classes' shares, and a voxel's probability is the trees' mean. Seeded, so the same seeds give the
// same answer.

import Dispatch
import Parallelism
import Randomness

public struct RandomForest: Sendable {
    struct Node: Sendable {
        /// A split on `feature` at `threshold` (below goes left); a leaf has feature -1 and `left` indexes its class
        /// shares.
        var feature: Int32
        var threshold: Float
        var left: Int32
        var right: Int32 = 0
    }

    struct Tree: Sendable {
        var nodes: [Node] = []
        var leaves: [[Float]] = []
    }

    public struct Options: Sendable {
        public var trees = 32
        public var maxDepth = 12
        public var minimumLeaf = 3
        public var thresholdsPerFeature = 4
        public var seed: UInt64 = 1
        public init() {}
    }

    let trees: [Tree]
    public let classes: Int

    /// Trains on `samples` (row `n` is sample n's features, `featureCount` per row) with class `labels[n]` in
    /// 0..<classes.
    public init(samples: [Float], featureCount: Int, labels: [UInt8], classes: Int, options: Options = Options()) {
        self.classes = classes
        let count = labels.count
        var built = [Tree](repeating: Tree(), count: options.trees)
        built.withUnsafeMutableBufferPointer { buffer in
            let slots = UncheckedBox(buffer)
            DispatchQueue.concurrentPerform(iterations: options.trees) { t in
                var random = SplitMix(seed: options.seed &+ UInt64(t) &* 0x9E37_79B9_7F4A_7C15)
                let bootstrap = (0..<count).map { _ in Int(random.next() % UInt64(max(count, 1))) }
                var tree = Tree()
                RandomForest.grow(&tree, rows: bootstrap, depth: 0, samples: samples, featureCount: featureCount, labels: labels,
                                  classes: classes, options: options, random: &random)
                slots.value[t] = tree
            }
        }
        trees = built
    }

    /// Grows the subtree for `rows` and returns its node's index.
    @discardableResult
    static func grow(_ tree: inout Tree, rows: [Int], depth: Int, samples: [Float], featureCount: Int, labels: [UInt8], classes: Int,
                     options: Options, random: inout SplitMix) -> Int {
        var counts = [Float](repeating: 0, count: classes)
        for r in rows { counts[Int(labels[r])] += 1 }
        let index = tree.nodes.count
        let pure = counts.filter { $0 > 0 }.count <= 1
        func makeLeaf() -> Int {
            let total = max(counts.reduce(0, +), 1)
            tree.leaves.append(counts.map { $0 / total })
            tree.nodes.append(Node(feature: -1, threshold: 0, left: Int32(tree.leaves.count - 1)))
            return index
        }
        guard !pure, depth < options.maxDepth, rows.count >= 2 * options.minimumLeaf else { return makeLeaf() }
        // Features tried: about √F, at random.
        let tries = max(1, Int(Double(featureCount).squareRoot().rounded()))
        var best: (feature: Int, threshold: Float, impurity: Float)?
        for _ in 0..<tries {
            let f = Int(random.next() % UInt64(featureCount))
            var low = Float.infinity, high = -Float.infinity
            for r in rows { let v = samples[r * featureCount + f]; low = min(low, v); high = max(high, v) }
            guard high > low else { continue }
            for _ in 0..<options.thresholdsPerFeature {
                let threshold = low + Float(random.nextUnit()) * (high - low)
                var left = [Float](repeating: 0, count: classes), right = left
                for r in rows {
                    if samples[r * featureCount + f] < threshold { left[Int(labels[r])] += 1 } else { right[Int(labels[r])] += 1 }
                }
                let nl = left.reduce(0, +), nr = right.reduce(0, +)
                guard nl >= Float(options.minimumLeaf), nr >= Float(options.minimumLeaf) else { continue }
                let gini = { (c: [Float], n: Float) in n - c.reduce(0) { $0 + $1 * $1 } / n }
                let impurity = gini(left, nl) + gini(right, nr)
                if best == nil || impurity < best!.impurity { best = (f, threshold, impurity) }
            }
        }
        guard let split = best else { return makeLeaf() }
        tree.nodes.append(Node(feature: Int32(split.feature), threshold: split.threshold, left: 0))
        let below = rows.filter { samples[$0 * featureCount + split.feature] < split.threshold }
        let above = rows.filter { samples[$0 * featureCount + split.feature] >= split.threshold }
        let left = grow(&tree, rows: below, depth: depth + 1, samples: samples, featureCount: featureCount, labels: labels,
                        classes: classes, options: options, random: &random)
        let right = grow(&tree, rows: above, depth: depth + 1, samples: samples, featureCount: featureCount, labels: labels,
                         classes: classes, options: options, random: &random)
        (tree.nodes[index].left, tree.nodes[index].right) = (Int32(left), Int32(right))
        return index
    }

    /// The classes' probabilities at every point: `features[f][n]` is feature f of point n. Result: one array per class.
    public func probabilities(_ features: [[Float]]) -> [[Float]] {
        let count = features.first?.count ?? 0
        var out = [[Float]](repeating: [Float](repeating: 0, count: count), count: classes)
        let chunk = 4096
        let chunks = (count + chunk - 1) / chunk
        var flat = [Float](repeating: 0, count: count * classes)
        flat.withUnsafeMutableBufferPointer { buffer in
            let target = UncheckedBox(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var row = [Float](repeating: 0, count: features.count)
                for n in (c * chunk)..<min(count, (c + 1) * chunk) {
                    for f in 0..<features.count { row[f] = features[f][n] }
                    var sum = [Float](repeating: 0, count: classes)
                    for tree in trees {
                        let shares = tree.leaves[leaf(of: tree, row)]
                        for k in 0..<classes { sum[k] += shares[k] }
                    }
                    for k in 0..<classes { target.value[k * count + n] = sum[k] / Float(trees.count) }
                }
            }
        }
        for k in 0..<classes { out[k] = Array(flat[(k * count)..<((k + 1) * count)]) }
        return out
    }

    func leaf(of tree: Tree, _ row: [Float]) -> Int {
        var node = 0
        while true {
            let n = tree.nodes[node]
            if n.feature < 0 { return Int(n.left) }
            node = Int(row[Int(n.feature)] < n.threshold ? n.left : n.right)
        }
    }
}
