// Summary statistics of intensities: min/max/mean as numpy gives them, exact percentiles (numpy's linear
// rule) without sorting the whole volume, and histograms. Used by `info`, window presets and likelihoods.

public struct IntensityStatistics: Sendable, Equatable {
    public var count = 0
    public var nanCount = 0
    /// Over finite values only.
    public var finiteMin = Double.infinity
    public var finiteMax = -Double.infinity
    public var finiteSum = 0.0
    public var finiteSumOfSquares = 0.0
    var infiniteSum = 0.0

    public init() {}

    public init(_ values: [Float]) {
        values.withUnsafeBufferPointer { add($0) }
    }

    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        count += values.count
        var lo = finiteMin, hi = finiteMax, sum = 0.0, squares = 0.0
        for value in values {
            if value.isNaN { nanCount += 1; continue }
            if value.isInfinite { infiniteSum += Double(value); continue }
            let v = Double(value)
            if v < lo { lo = v }
            if v > hi { hi = v }
            sum += v
            squares += v * v
        }
        finiteMin = lo
        finiteMax = hi
        finiteSum += sum
        finiteSumOfSquares += squares
    }

    public var finiteCount: Int { count - nanCount }

    /// As numpy's min/max/mean: NaN as soon as one value is NaN.
    public var min: Double { nanCount > 0 ? .nan : (infiniteSum < 0 ? -.infinity : finiteMin) }
    public var max: Double { nanCount > 0 ? .nan : (infiniteSum > 0 ? .infinity : finiteMax) }
    public var mean: Double { nanCount > 0 || count == 0 ? .nan : (finiteSum + infiniteSum) / Double(count) }
    public var sum: Double { nanCount > 0 ? .nan : finiteSum + infiniteSum }
    public var finiteMean: Double { finiteCount == 0 ? .nan : finiteSum / Double(finiteCount) }
}

public enum Percentiles {
    /// Percentiles (0…100) of the finite values, interpolated linearly between order statistics as numpy does.
    public static func of(_ values: [Float], _ percents: [Double]) -> [Double] {
        let finite = values.reduce(into: 0) { n, v in if v.isFinite { n += 1 } }
        guard finite > 0 else { return percents.map { _ in .nan } }
        return percents.map { p in
            let rank = Swift.min(Swift.max(p, 0), 100) / 100 * Double(finite - 1)
            let lower = Int(rank.rounded(.down))
            let fraction = rank - Double(lower)
            let a = orderStatistic(values, rank: lower)
            guard fraction > 0, lower + 1 < finite else { return a }
            let b = orderStatistic(values, rank: lower + 1)
            return a + (b - a) * fraction
        }
    }

    /// The value of the given 0-based rank among the finite values, found by narrowing a histogram around it
    /// instead of sorting: memory stays small and time linear. Binning is monotonic, so the values between the
    /// smallest and largest member of one bin are exactly that bin's members.
    static func orderStatistic(_ values: [Float], rank: Int) -> Double {
        var lo = -Float.greatestFiniteMagnitude, hi = Float.greatestFiniteMagnitude
        var rank = rank
        while true {
            var count = 0, minimum = Float.infinity, maximum = -Float.infinity
            for v in values where v >= lo && v <= hi {
                count += 1
                minimum = Swift.min(minimum, v)
                maximum = Swift.max(maximum, v)
            }
            if minimum == maximum { return Double(minimum) }
            if count <= 1 << 16 {
                var inside = values.filter { $0 >= lo && $0 <= hi }
                inside.sort()
                return Double(inside[rank])
            }
            let bins = 4096
            let width = (Double(maximum) - Double(minimum)) / Double(bins)
            var counts = [Int](repeating: 0, count: bins)
            var firsts = [Float](repeating: .infinity, count: bins)
            var lasts = [Float](repeating: -.infinity, count: bins)
            for v in values where v >= lo && v <= hi {
                let b = Swift.min(bins - 1, Int((Double(v) - Double(minimum)) / width))
                counts[b] += 1
                firsts[b] = Swift.min(firsts[b], v)
                lasts[b] = Swift.max(lasts[b], v)
            }
            var bin = 0
            while counts[bin] <= rank { rank -= counts[bin]; bin += 1 }
            lo = firsts[bin]
            hi = lasts[bin]
        }
    }
}

public enum Histogram {
    /// Counts of finite values in `bins` equal bins over `range` (values outside are clamped to the ends).
    public static func counts(_ values: [Float], bins: Int, range: ClosedRange<Double>) -> [Int] {
        var counts = [Int](repeating: 0, count: bins)
        let width = (range.upperBound - range.lowerBound) / Double(bins)
        guard width > 0 else {
            counts[0] = values.reduce(0) { $0 + ($1.isFinite ? 1 : 0) }
            return counts
        }
        for v in values where v.isFinite {
            let b = Int((Double(v) - range.lowerBound) / width)
            counts[Swift.min(bins - 1, Swift.max(0, b))] += 1
        }
        return counts
    }
}
