// The data term of a cut from seeds alone, built to work from the first click:
// - each group of touching seeds (a click, a stroke) is one tissue: a kernel density of the seeds and the voxels
//   around them that look like them, the bandwidth from their robust spread and never below the image's noise,
//   so that a click's few voxels stand for the tissue under it; its share of the region is estimated from the
//   region's histogram, and a label's density is its tissues' mixture in those shares;
// - the background's density is the region's own histogram with every tissue's share taken out (the region holds
//   the structure too: without that, a structure that fills most of the region would look like background), or
//   the marked background's where that is higher; the posterior has equal priors;
// - with background strokes, a stroked label's values end half-way between its strokes' values and those of the
//   nearest tissue the background strokes cover (not the label's own tissue a stroke crosses): a kernel's tail
//   would carry the label past that boundary (the ventricles' partial-volume rim, and through the third ventricle
//   to the cisterns), and short of it the label is the likelier (a partial-volume rim more than half the
//   structure, where a narrow density of the strokes lies below the broad one of the tissue around it);
// - with seeds of two or more classes, each class also pays for its geodesic distance beyond the nearest
//   class's, so that a voxel goes to the seed it is joined to through similar tissue (two structures of the same
//   intensity on either side of a negative seed are told apart);
// - where a background stroke crosses a label's own tissue (the other ventricle beside one, the other
//   hemisphere), that tissue is contested: there each class pays −log of its share of a softmin of the geodesic
//   distances, so that the voxel goes to the seeds it is nearest to through similar tissue, as in GrowCut; once a
//   background stroke is drawn, a label's tissue far from every seed is the label's only where the label's seeds
//   are the nearest (a structure's tissue beyond a narrow passage of it is not known to be the structure; with
//   clicks alone, once a negative click and two positive ones are placed: the other hemisphere's white matter,
//   reached through a later flank click's partial-volume tissue, goes to the negative click placed in it); a part
//   of a slice that a background stroke closes around, holding no structure's stroke, counts as near the label
//   whose tissue it is (the user drew the loop around a part of the structure and stroked another part), and, with
//   one structure, on a slice where a loop closes around its stroke (and every stroke closes around something),
//   its tissue outside every loop is background, as near to the loops as they are themselves, and where the loops
//   cross the structure's tissue, what lies nearer to that outside than to every mark off the scribbled slices is
//   contested too (the other hemisphere);
// - with clicks only, a click on an edge (its value between the structure's tissue and one that outnumbers
//   it around the click: a thin part mixed with what lies beside it), or on a part thinner than the smoothing,
//   adds no tissue of its own, only a seed;
// - each label also pays a little for its geodesic distance from its own seeds, so that a click on a tissue the
//   structure shares with organs elsewhere does not bring those organs in;
// - a negative click's tissue is background only where a voxel is nearer (through similar tissue) to the negative
//   clicks than to the positive ones: a negative click on a leak says nothing of the structure's own tissue;
// - a later positive click on the rim of the label's other tissues, whose tissue spreads through ten times what
//   they spread over (a click on a lesion's rim with the organ's value, on a kidney's outermost voxel with the
//   muscle's beside it), adds only a seed;
// - a later click whose ball straddles an edge, its centre on the side that holds most of the ball, stands for that
//   side's tissue alone; one whose surroundings are mostly the label's tissue while its own value lies on that
//   tissue's flank (a spleen's outermost voxel, its value mixed with the fat's) adds only a seed;
// - where the cut returned little more than the clicks (`tissueOfLargestPart`, `GraphCutSegmenter.segment`), each
//   click stands for the tissue most of its ball holds, not for every value in it: a ball across a soft edge
//   holds both tissues and the values between, which are found only along such edges.
// Everything is computed per intensity bin, then looked up per voxel.

import Dispatch
import Foundation
import Parallelism
import Volume

struct SeedLikelihood {
    static let bins = 128
    /// The fewest voxels a click's tissue is estimated from where the image allows (a 3 mm ball holds about 100 at 1 mm).
    static let minimumTissueSamples = 20

    /// −log posterior per class (background first, then `labels` in order) at every voxel of the region.
    /// `firstSeeds`: per label, a voxel of its first click, where the clicks' order is known. `strokes` tells the
    /// strokes from the clicks; `strokedLabels` are the labels a stroke marks. `besideAModel`: a model's probability
    /// is added to these costs as a prior. `seedsOnly`: seeds whose groups (clicks' balls) add no tissue, unless a
    /// label's first seed is among them. `contested` is set where the seed competition weighs in.
    static func costs(intensities: [Float], smoothed: [Float], shape: [Int], spacing: [Double],
                      foreground: [UInt16: [Int]], labels: [UInt16], background: [Int], firstSeeds: [UInt16: Int],
                      strokes: StrokeTest, strokedLabels: Set<UInt16>, tissueOfLargestPart: Bool, besideAModel: Bool, seedsOnly: [Int] = [],
                      options: GraphCutOptions, contested contestedVoxels: inout [Bool]) -> [[Float]] {
        let noise = noiseLevel(intensities: intensities, shape: shape)
        let smoothNoise = noiseLevel(intensities: smoothed, shape: shape)
        let region = density(of: Region.evenlySpaced(200_000, of: intensities.count).map { intensities[$0] }, noise: noise, narrow: true)
        // A click marks a few voxels: the tissue it stands for is what surrounds it and looks like it. Each group
        // of touching seeds (a click, a stroke) is one tissue with its own share of the region.
        let tolerance = likeness(smoothNoise: smoothNoise)
        // No more than half the voxels the surroundings can reach: on voxels as large as the reach, widening
        // would take in the next structure.
        let wanted = min(minimumTissueSamples, Seeds.offsets(within: options.seedSurroundingMM, spacing: spacing).count / 2)
        let tissues = labels.map { label in
            let list = groups(of: foreground[label] ?? [], shape: shape).filter { group in
                firstSeeds[label].map(group.contains) == true || !seedsOnly.contains(where: group.contains)
            }.map { group in
                var samples: [Int] = [], widened = tolerance
                // A click's tissue: what looks like any of its voxels, or like the largest part of them where the
                // cut returned little more than the clicks (`tissueOfLargestPart`) or where a later click's ball
                // straddles an edge with its centre in that part (a click just inside a kidney's border with the
                // liver): the voxels beyond the edge are few, but each would bring its own side's surroundings, and
                // the liver's fill the 10 mm around them. Not the first click, which says what the structure is, nor
                // a click centred on the smaller part (on a small structure's rim), whose larger part is what lies
                // around it. Beside a model's prior the whole ball stays (the generic model on the 1 mm T1's
                // hemisphere and one ventricle lost 0.06 and 0.14 with it, for 0.014 gained on the phantoms).
                let largest = strokes.isStroke(group) ? nil
                    : tissueModes(of: group, smoothed: smoothed, noise: smoothNoise).max { $0.count < $1.count }
                let laterClickMostlyOnOneSide = !besideAModel && firstSeeds[label].map { !group.contains($0) } == true
                    && group.first(where: { strokes.clicks?.contains($0) == true }).map { largest?.contains($0) == true } == true
                let origins = (tissueOfLargestPart || laterClickMostlyOnOneSide ? largest : nil) ?? group
                // On coarse voxels a click is one voxel and few around it are within the noise of its value: a
                // density of a handful of samples is as narrow as the noise and changes with every estimate of it.
                // The tolerance widens until the tissue rests on enough voxels (or has doubled twice).
                repeat {
                    samples = group + surroundings(of: origins, smoothed: smoothed, shape: shape, spacing: spacing,
                                                   radiusMM: options.seedSurroundingMM, tolerance: widened)
                    widened *= 2
                } while samples.count < wanted && widened <= 4 * tolerance
                let density = density(of: samples.map { intensities[$0] }, noise: noise, narrow: false)
                return Tissue(density: density, share: share(of: density, in: region), seeds: group)
            }
            return withoutClicksOnEdges(list, intensities: intensities, smoothed: smoothed, shape: shape, spacing: spacing,
                                        strokes: strokes, smoothNoise: smoothNoise, first: firstSeeds[label])
                .map { (density: $0.density, share: $0.share) }
        }
        let labelDensities = tissues.map { list in
            let total = max(list.reduce(Float(0)) { $0 + $1.share }, 1e-9)
            return (0..<bins).map { b in list.reduce(Float(0)) { $0 + $1.share * $1.density[b] } / total }
        }
        let marked = background.isEmpty ? nil : density(of: background.map { intensities[$0] }, noise: noise, narrow: false)
        // The background's density: the region's histogram less the tissues' shares, or the marked background's
        // where that is higher. Each class's posterior by bin, with equal priors (the user's seeds say
        // which classes there are, not how large they are) and a floor that keeps every class possible.
        var rest = region
        for list in tissues { for t in list { for b in 0..<bins { rest[b] -= t.share * t.density[b] } } }
        rest = rest.map { max($0, 0) }
        let restTotal = rest.reduce(0, +)
        rest = restTotal > 1e-6 ? rest.map { $0 / restTotal * Float(bins) } : [Float](repeating: 1, count: bins)
        let clicksOnly = !strokes.hasStroke(background)
        // Contested intensities: a background stroke that crosses a label's own tissue (the other ventricle beside
        // one, the other hemisphere) says that this tissue is not the structure everywhere; there the intensities
        // cannot decide and seed competition must. Not for negative clicks alone: such a click already counts as
        // fully as the structure's seeds (below), and the linear competition settles it without taking away all
        // that lies nearer to it than to the positive clicks.
        let markedTissues = clicksOnly ? []
            : backgroundTissues(background, labelDensities: labelDensities, unmarked: rest, intensities: intensities,
                                smoothed: smoothed, noise: noise, smoothNoise: smoothNoise)
        let contest = clicksOnly ? [Float](repeating: 0, count: bins)
            : contestedBins(markedTissues, labelDensities: labelDensities, unmarked: rest)
        // Far from every seed, a label's tissue is contested too once background is marked: there the
        // intensities say the structure, but what lies beyond a narrow passage of that tissue (the cisterns below
        // the ventricles, reached through the third ventricle) is not known to be it. There a label pays for its
        // share of the seed competition, from a share of the marks' extent on: near a large structure's marks (a
        // cortex drawn across the head) the intensities decide, as a thin sheet's own tissue is reached at greater
        // cost than what lies beside it. With clicks alone, from a larger share of their extent, and only once
        // a second positive click is placed (`GraphCutOptions.clickRemoteContestShare`); with marks on one slice, or
        // of several structures, from a larger share too (`GraphCutOptions.looseRemoteContestShare`).
        let marks = box(of: foreground.values.flatMap { $0 } + background, shape: shape)
        let remoteShare = clicksOnly ? options.clickRemoteContestShare
            : labels.count > 1 || (0..<3).contains { marks.low[$0] == marks.high[$0] } ? options.looseRemoteContestShare
            : options.remoteContestShare
        let remote = background.isEmpty || remoteShare <= 0
            || (clicksOnly && foreground.values.reduce(0) { $0 + groups(of: $1, shape: shape).count } < 2)
            ? [Bool](repeating: false, count: bins) : (0..<bins).map { b in labelDensities.contains { $0[b] > rest[b] } }
        let remoteFrom = remote.contains(true)
            ? remoteDistance(across: marks, share: remoteShare, spacing: spacing, options: options) : 0
        // Negative clicks alone mark a tissue no more than a label's seeds do: a click's few voxels give a narrower
        // density than a structure's, which would otherwise make the structure's own tissue background everywhere.
        let backgroundDensity = marked.map { m in
            // Either source: a tissue marked as background counts as much as a structure's (a negative click on
            // the structure's own tissue leaves the intensities neutral, for the geodesic term to decide).
            // Not renormalised: each source keeps its own scale where it is the higher.
            (0..<bins).map { b in
                let strongest = labelDensities.reduce(Float(0)) { max($0, $1[b]) }
                return max(rest[b], clicksOnly && strongest > rest[b] ? min(m[b], strongest) : m[b])
            }
        } ?? rest
        // With background strokes, a stroked label's values end half-way to the background strokes' values (a
        // click's ball holds too few of its tissue's values to bound them: a box's centre click).
        let bounded = labels.indices.map { n in
            clicksOnly || !strokedLabels.contains(labels[n]) ? labelDensities[n]
                : withinTheBackgroundStrokesValues(labelDensities[n], own: foreground[labels[n]] ?? [], background: markedTissues,
                                                   otherLabelsSeeds: labels.filter { $0 != labels[n] }.flatMap { foreground[$0] ?? [] },
                                                   backgroundDensity: backgroundDensity, intensities: intensities)
        }
        func table(background: [Float]) -> [[Float]] {
            let densities = [background] + bounded
            return densities.map { d in
                (0..<bins).map { b in
                    let total = densities.reduce(Float(0)) { $0 + $1[b] }
                    let posterior = total > 0 ? d[b] / total : 1 / Float(densities.count)
                    return -log(0.97 * posterior + 0.03 / Float(densities.count))
                }
            }
        }
        var costs = table(background: backgroundDensity).map { t in intensities.map { t[bin($0)] } }
        // A negative click says what is not the structure around it, not that its tissue is background everywhere:
        // where a voxel is nearer (through similar tissue) to a positive click than to every negative one, the
        // negative clicks' tissue counts as the unmarked background's alone. Otherwise a negative click on a
        // small leak of the structure's own tissue would take the structure with it.
        let localTable = clicksOnly && !background.isEmpty ? table(background: rest) : nil

        let seeded: [(Int, [Int])] = ([(0, background)] + labels.enumerated().map { ($0.offset + 1, foreground[$0.element] ?? []) })
            .filter { !$0.1.isEmpty }
        // A part of a slice that a background stroke closes around, with no structure's stroke in it, is most likely
        // a part of a structure the user drew the loop around and stroked elsewhere (a ventricle's frontal horn, its
        // body stroked): its voxels of a label's own tissue stand for that label's seeds in the seed competition, one
        // contest temperature further away than a stroke (less surely marked). Otherwise the loop beside them, on the
        // same tissue across a thin wall, would be their nearest seed. Where a background stroke closes around a
        // stroked part of the one structure, its tissue outside every closed stroke on that slice is not it (the
        // loops go around what is: the other hemisphere's white matter, the third ventricle below the lateral ones):
        // it is as near the background as the loops themselves, and background there as if a stroke covered it. Not
        // where a stroke on that slice closes around nothing: beside a part the user did not go around, that part's
        // tissue is left to the seed competition.
        // Inside such a loop, what the structure's strokes leave unmarked is the structure too, whatever its value:
        // seeds one contest temperature further away, as an enclosed part's, where they are nearer through similar
        // tissue to the strokes than to that outside (not the bridge a loop crosses into the other hemisphere). A
        // brain's cortex around strokes through its white matter has values the loop holds (the scalp, the partial
        // volume along the skull), and without them it went to the loop, on the scribbled slice and beyond it. A
        // box's band is such a loop.
        var enclosed = [[Int]](repeating: [], count: labels.count), outsideLoops: [Int] = [], insideLoops: [Int] = []
        if !clicksOnly {
            let closed = Components.closedStrokes(background, shape: shape, marks: foreground.values.flatMap { $0 })
            for v in closed.enclosed {
                let b = bin(intensities[v])
                if let label = labelDensities.indices.max(by: { labelDensities[$0][b] < labelDensities[$1][b] }),
                   labelDensities[label][b] > rest[b] { enclosed[label].append(v) }
            }
            // One structure only: a slice scribbled for one of several says nothing of the others' tissue on it.
            if labels.count == 1 {
                outsideLoops = closed.outside.filter { let b = bin(intensities[$0]); return labelDensities[0][b] > rest[b] }
                insideLoops = closed.around
            }
        }
        let competing = seeded.count >= 2 && options.geodesicWeight > 0
        let reaching = options.geodesicReachMM > 0
        if competing || reaching {
            // One class per core, each written into its own part of one buffer; a class's enclosed parts are seeds
            // that start a contest temperature away.
            let count = intensities.count
            // With no outside to be nearer to, the inside of the loops is the label's from the start (above).
            let enclosedParts = outsideLoops.isEmpty && !insideLoops.isEmpty ? [enclosed[0] + insideLoops] : enclosed
            let outsideParts = outsideLoops
            // A last row where there is an outside: the distance from it alone, for the background.
            let rows = seeded.count + (!outsideParts.isEmpty && seeded[0].0 == 0 ? 1 : 0)
            var flat = [Float](repeating: 0, count: count * rows)
            flat.withUnsafeMutableBufferPointer { buffer in
                let target = UncheckedBox(buffer.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: rows) { n in
                    let (c, marks) = n < seeded.count ? seeded[n] : (0, outsideParts)
                    let d = GeodesicDistance.from(marks, farther: n < seeded.count && c > 0 ? enclosedParts[c - 1] : [],
                                                  start: options.contestedScaleMM, intensities: smoothed, shape: shape,
                                                  spacing: spacing, contrast: options.geodesicContrast)
                    d.withUnsafeBufferPointer { (target.value + n * count).update(from: $0.baseAddress!, count: count) }
                }
            }
            let outsideDistance = rows > seeded.count ? Array(flat[seeded.count * count..<rows * count]) : nil
            var distances = (0..<seeded.count).map { Array(flat[$0 * count..<($0 + 1) * count]) }
            // With an outside, the label's distance again, from the inside of the loops nearer to its strokes.
            if let outsideDistance, let row = seeded.firstIndex(where: { $0.0 == 1 }), !insideLoops.isEmpty {
                let near = insideLoops.filter { distances[row][$0] <= outsideDistance[$0] }
                if !near.isEmpty {
                    distances[row] = GeodesicDistance.from(seeded[row].1, farther: enclosed[0] + near, start: options.contestedScaleMM,
                                                           intensities: smoothed, shape: shape, spacing: spacing,
                                                           contrast: options.geodesicContrast)
                }
            }
            let weight = competing ? options.geodesicWeight / options.geodesicScaleMM : 0
            let reach = reaching ? 1 / options.geodesicReachMM : 0
            let crossesOwnTissue = contest.contains { $0 > 0 }
            let contested = competing && options.contestedWeight > 0 && (crossesOwnTissue || remote.contains(true))
            // Where the loops cross the structure's own tissue (into the other hemisphere's white matter, the other
            // ventricle), its tissue outside them on a scribbled slice is that other body, and so is, off the
            // scribbled slices, what is nearer to it through similar tissue than to every mark: contested as the
            // crossed tissue is, not left to the intensities. Not where no loop crosses the structure's tissue:
            // there what lies outside a loop with its values is other tissue (sulci, partial-volume bits), and a
            // part of the structure that starts just off a scribbled slice is nearer to it than to the strokes.
            let contestedOutside = contested && crossesOwnTissue ? outsideDistance : nil
            let temperature = options.contestedScaleMM
            for v in 0..<intensities.count {
                var nearest = Float.infinity
                for d in distances { nearest = min(nearest, d[v]) }
                // The remote contest is measured from the marks: the tissue outside the loops would lift it there.
                let nearestMarked = nearest
                var backgroundDistance = distances[0][v]
                if let outsideDistance {
                    backgroundDistance = min(backgroundDistance, outsideDistance[v])
                    nearest = min(nearest, backgroundDistance)
                }
                guard nearest.isFinite else { continue }
                let b = bin(intensities[v])
                if let localTable, backgroundDistance > nearest {
                    for c in 0..<costs.count { costs[c][v] = localTable[c][b] }
                }
                // Where the intensity is contested, each class's share of a softmin of the geodesic distances: the
                // voxel goes to the class whose seeds it is nearest to through similar tissue, as in GrowCut. Far
                // from every seed only the labels pay for theirs: that a tissue is far says it may not be the
                // structure unless the structure's seeds are the nearest, never that it is (a kidney's seeds are
                // nearer than the background's to the liver that touches its upper pole).
                var crossed = contested ? contest[b] : 0
                if let contestedOutside, contestedOutside[v] < nearestMarked, labelDensities[0][b] > rest[b] { crossed = 1 }
                let far = contested && remote[b] ? min(max(nearestMarked / remoteFrom - 1, 0), 1) : 0
                var partition: Float = 0
                if crossed > 0 || far > 0 {
                    contestedVoxels[v] = true
                    for n in distances.indices { partition += exp(-((n == 0 ? backgroundDistance : distances[n][v]) - nearest) / temperature) }
                }
                for (n, (c, _)) in seeded.enumerated() {
                    let distance = n == 0 ? backgroundDistance : distances[n][v]
                    // Seed competition: beyond the nearest class's distance.
                    costs[c][v] += min(weight * (distance - nearest), options.geodesicWeight * 4)
                    let contestHere = c > 0 ? max(crossed, far) : crossed
                    if contestHere > 0 {
                        let p = exp(-(distance - nearest) / temperature) / partition
                        costs[c][v] += options.contestedWeight * contestHere * -log(0.97 * p + 0.03 / Float(seeded.count))
                    }
                    // A label's reach: a structure is what its seeds reach through similar tissue, so a tissue
                    // that a click shares with organs far away does not bring them in.
                    if c > 0 { costs[c][v] += min(reach * distances[n][v], 4) }
                }
            }
        }
        // The structure's tissue outside every loop on a slice scribbled for it: background, as if stroked.
        for v in outsideLoops { for c in costs.indices.dropFirst() { costs[c][v] = .infinity } }
        return costs
    }

    /// The geodesic distance from every seed (mm-equivalents) from which a label's tissue is contested: `share` of
    /// the diagonal of the box of all marks (a background stroke drawn around a structure, a box's band, bound what
    /// the user looked at), at least `remoteContestMinimumMM`. The contest is full from twice it.
    static func remoteDistance(across box: (low: [Int], high: [Int]), share: Float, spacing: [Double], options: GraphCutOptions) -> Float {
        let (low, high) = box
        guard low[0] <= high[0] else { return options.remoteContestMinimumMM }
        let diagonal = (0..<3).reduce(0.0) { $0 + pow(Double(high[$1] - low[$1] + 1) * spacing[$1], 2) }.squareRoot()
        return max(share * Float(diagonal), options.remoteContestMinimumMM)
    }

    /// The voxels joined to a seed through voxels that look like it (in the smoothed image, within `tolerance`
    /// of that seed's value), within `radiusMM` of it and at most `limit` of them.
    static func surroundings(of seeds: [Int], smoothed: [Float], shape: [Int], spacing: [Double], radiusMM: Double,
                             tolerance: Float, limit: Int = 50_000) -> [Int] {
        guard radiusMM > 0 else { return [] }
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        var origin = [Int32](repeating: -1, count: smoothed.count)
        var queue: [Int] = []
        for s in seeds where origin[s] < 0 { origin[s] = Int32(truncatingIfNeeded: s); queue.append(s) }
        var head = 0, found: [Int] = []
        let r2 = radiusMM * radiusMM
        while head < queue.count && found.count < limit {
            let v = queue[head]; head += 1
            let o = Int(origin[v])
            let (oi, oj, ok) = (o % ni, (o / ni) % nj, o / (ni * nj))
            let reference = smoothed[o]
            let (i, j, k) = (v % ni, (v / ni) % nj, v / (ni * nj))
            for (di, dj, dk) in [(-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)] {
                let (a, b, c) = (i + di, j + dj, k + dk)
                guard a >= 0, a < ni, b >= 0, b < nj, c >= 0, c < nk else { continue }
                let n = a + ni * (b + nj * c)
                guard origin[n] < 0, abs(smoothed[n] - reference) <= tolerance else { continue }
                let x = Double(a - oi) * spacing[0], y = Double(b - oj) * spacing[1], z = Double(c - ok) * spacing[2]
                guard x * x + y * y + z * z <= r2 else { continue }
                origin[n] = Int32(truncatingIfNeeded: o)
                queue.append(n)
                found.append(n)
            }
        }
        return found
    }

    /// A group of seeds and the tissue it stands for.
    struct Tissue {
        var density: [Float]
        var share: Float
        var seeds: [Int]
    }

    /// With clicks only (no stroke), the tissues of clicks on an edge left out. A click whose value lies between the
    /// label's tissue and a tissue around it that outnumbers it there by two sits on the edge between them (a thin
    /// part whose voxels mix the structure with what lies beside it): it still marks the structure as a seed, but
    /// its value would stand for every such edge in the region, and the answer would flood them. The label's tissue
    /// is that of the click whose value is the most common around it, of those not on such an edge between another
    /// click's tissue and their surroundings', or the first click's where later clicks lie on the rim of the
    /// label's tissues (`laterClicksOnTheRim`). A later click whose surroundings peak at the label's value, where its
    /// own value is less than half as common, lies on the structure's rim too, and marks only itself.
    static func withoutClicksOnEdges(_ tissues: [Tissue], intensities: [Float], smoothed: [Float], shape: [Int], spacing: [Double],
                                     strokes: StrokeTest, smoothNoise: Float, first: Int?) -> [Tissue] {
        guard tissues.count > 1, !tissues.contains(where: { strokes.isStroke($0.seeds) }) else { return tissues }
        let local = tissues.map { localHistogram(around: $0.seeds, smoothed: smoothed, shape: shape, spacing: spacing, noise: smoothNoise) }
        let commonness = local.map { $0.histogram[$0.centre] / max($0.histogram.max() ?? 0, 1e-9) }
        // A click on a part thinner than the smoothing (a voxel-thin ventricle on coarse voxels): its surroundings
        // are matched by its smoothed value, which is the tissue beside it, so its density hardly holds its own value.
        let thin = tissues.map { tissue in
            let raw = tissue.seeds.map { intensities[$0] }.sorted()
            return tissue.density[bin(raw[raw.count / 2])] < 0.1 * (tissue.density.max() ?? 0)
        }
        // A click whose value lies well between another click's and that of another tissue outnumbering it around
        // it sits on the edge between them (a click on a ventricle's rim, between its fluid and the white matter,
        // has grey matter's value): however common its value is, it cannot stand for the label.
        let apart = likeBins(smoothNoise: smoothNoise)
        let between = local.indices.map { n in
            let (centre, histogram) = local[n]
            let peak = histogram.indices.max { histogram[$0] < histogram[$1] }!
            guard abs(peak - centre) > 2 * apart, histogram[centre] < 0.5 * histogram[peak] else { return false }
            // At least a quarter of the way from the other click's value to that tissue's: a mix, not a shade.
            return local.indices.contains { m in
                let other = local[m].centre
                return m != n && (peak > centre) == (centre > other) && abs(centre - other) > 2 * apart
                    && 4 * abs(centre - other) >= abs(peak - other)
            }
        }
        let candidates = [tissues.indices.filter { !thin[$0] && !between[$0] }, tissues.indices.filter { !thin[$0] }, Array(tissues.indices)]
            .first { !$0.isEmpty }!
        var reference = candidates.max { commonness[$0] < commonness[$1] }!
        let firstTissue = first.flatMap { f in tissues.firstIndex { $0.seeds.contains(f) } }
        let overruled = laterClicksOnTheRim(tissues, firstTissue: firstTissue, smoothed: smoothed, shape: shape, spacing: spacing,
                                            smoothNoise: smoothNoise)
        if let overruled { reference = overruled.first }
        // The label's value is the one under the reference click: in a structure thinner than the click's ball,
        // the peak of its tissue is what lies around the structure.
        let labelValue = local[reference].centre
        return tissues.indices.filter { n in
            let (centre, histogram) = local[n]
            guard n != reference else { return true }
            if thin[n] || overruled?.left.contains(n) == true { return false }
            // A later click whose surroundings are mostly the label's own tissue, its value on that tissue's flank
            // rather than on a plateau of its own: a click on the structure's rim, whose value is the structure's
            // mixed with what lies beside it (a spleen's outermost voxel, between its value and the fat's); as a
            // tissue it would bring in everything of that mixed value around the structure.
            let mode = histogram.indices.max { histogram[$0] < histogram[$1] }!
            if n != firstTissue, abs(mode - labelValue) <= apart, abs(centre - labelValue) > 2 * apart,
               histogram[centre] < 0.5 * histogram[mode] { return false }
            guard abs(centre - labelValue) > apart else { return true }
            let far = centre > labelValue ? Array((centre + 1)..<bins) : Array(0..<centre)
            guard let peak = far.max(by: { histogram[$0] < histogram[$1] }) else { return true }
            return histogram[centre] >= 0.5 * histogram[peak]
        }.map { tissues[$0] }
    }

    /// Later clicks on the rim of the label's other tissues, which mark only themselves: a click whose ball touches
    /// what the label's other clicks' tissues spread over (voxels joined to their seeds through like values), and
    /// whose own tissue spreads through ten times as many. The robot's click on a missed rim, and an annotator's,
    /// falls on the structure's outermost voxels, whose value is what lies beside it (a lesion's rim has the
    /// liver's, a kidney's outermost voxel beside the muscle the muscle's): as a tissue it floods what lies beside.
    /// A click on a tissue the structure has elsewhere (a hemisphere's grey matter, its white matter clicked first)
    /// spreads no further than ten times the structure's other tissues, or lies away from them. Nil where there is
    /// none; else the first click's tissue (`firstTissue`), which stands for the label, and the clicks left out.
    static func laterClicksOnTheRim(_ tissues: [Tissue], firstTissue: Int?, smoothed: [Float], shape: [Int], spacing: [Double],
                                    smoothNoise: Float) -> (first: Int, left: Set<Int>)? {
        guard let firstTissue else { return nil }
        let tolerance = likeness(smoothNoise: smoothNoise)
        func spread(_ seeds: [Int], limit: Int) -> [Int] {
            seeds + surroundings(of: seeds, smoothed: smoothed, shape: shape, spacing: spacing, radiusMM: .infinity,
                                 tolerance: tolerance, limit: limit)
        }
        let limit = smoothed.count / 10
        let spreads = tissues.map { spread($0.seeds, limit: limit).count }
        // The structure's known tissues grow from the first click's, the least spreading first; a click whose tissue
        // spreads through ten times all of them is not one of them.
        var core = [firstTissue], coreSpread = spreads[firstTissue], spreading: [Int] = []
        for n in tissues.indices.filter({ $0 != firstTissue }).sorted(by: { spreads[$0] < spreads[$1] }) {
            if spreads[n] >= 10 * coreSpread { spreading.append(n) } else { core.append(n); coreSpread += spreads[n] }
        }
        guard !spreading.isEmpty else { return nil }
        var joined = [Bool](repeating: false, count: smoothed.count)
        for v in spread(core.flatMap { tissues[$0].seeds }, limit: limit) { joined[v] = true }
        let left = Set(spreading.filter { touches(tissues[$0].seeds, joined, shape: shape) })
        return left.isEmpty ? nil : (firstTissue, left)
    }

    /// Whether a voxel of `seeds` is in `mask` or one of its 26 neighbours is.
    static func touches(_ seeds: [Int], _ mask: [Bool], shape: [Int]) -> Bool {
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        return seeds.contains { v in
            let (i, j, k) = (v % ni, (v / ni) % nj, v / (ni * nj))
            for c in max(k - 1, 0)...min(k + 1, nk - 1) {
                for b in max(j - 1, 0)...min(j + 1, nj - 1) {
                    for a in max(i - 1, 0)...min(i + 1, ni - 1) where mask[a + ni * (b + nj * c)] { return true }
                }
            }
            return false
        }
    }

    /// How far apart two smoothed values may be and still be one tissue: three times the smoothed image's noise.
    static func likeness(smoothNoise: Float) -> Float { 3 * max(smoothNoise, 0.005) }

    /// `likeness` in histogram bins (at least two).
    static func likeBins(smoothNoise: Float) -> Int { max(2, Int((likeness(smoothNoise: smoothNoise) * Float(bins)).rounded(.up))) }

    /// The bin of a group of seeds' median smoothed value.
    static func medianBin(of group: [Int], smoothed: [Float]) -> Int { bin(group.map { smoothed[$0] }.sorted()[group.count / 2]) }

    /// The histogram of the smoothed values around a group of seeds (within 6 mm, at least two voxels) and the bin
    /// of the group's median.
    static func localHistogram(around group: [Int], smoothed: [Float], shape: [Int], spacing: [Double], noise: Float)
        -> (centre: Int, histogram: [Float]) {
        let (ni, nj, nk) = (shape[0], shape[1], shape[2])
        let reach = (0..<3).map { max(2, Int((6 / spacing[$0]).rounded(.up))) }
        let (lower, upper) = box(of: group, shape: shape)
        var around: [Float] = []
        for k in max(lower[2] - reach[2], 0)...min(upper[2] + reach[2], nk - 1) {
            for j in max(lower[1] - reach[1], 0)...min(upper[1] + reach[1], nj - 1) {
                for i in max(lower[0] - reach[0], 0)...min(upper[0] + reach[0], ni - 1) { around.append(smoothed[i + ni * (j + nj * k)]) }
            }
        }
        return (medianBin(of: group, smoothed: smoothed), smoothedHistogram(of: around, noise: noise))
    }

    /// A tissue the background seeds mark: a mode of their intensities, its density normalised on its own, and
    /// whether it is a label's own tissue (at the mode's peak a label is four times as likely as the unmarked
    /// background and near its own peak, not in its tail: the partial-volume edge a loop around a structure meets).
    struct BackgroundTissue {
        let seeds: [Int]
        let density: [Float]
        let isLabelTissue: Bool
    }

    static func backgroundTissues(_ background: [Int], labelDensities: [[Float]], unmarked: [Float], intensities: [Float],
                                  smoothed: [Float], noise: Float, smoothNoise: Float) -> [BackgroundTissue] {
        guard !background.isEmpty else { return [] }
        return tissueModes(of: background, smoothed: smoothed, noise: smoothNoise).map { part in
            let density = density(of: part.map { intensities[$0] }, noise: noise, narrow: false)
            let peak = density.indices.max { density[$0] < density[$1] }!
            return BackgroundTissue(seeds: part, density: density, isLabelTissue: labelDensities.contains {
                $0[peak] > 4 * unmarked[peak] && $0[peak] >= 0.25 * ($0.max() ?? 0)
            })
        }
    }

    /// Per bin, how fully the marked background claims a label's own tissue (0: not at all, 1: as fully as the
    /// label's seeds); only the background's tissues that are a label's count.
    static func contestedBins(_ tissues: [BackgroundTissue], labelDensities: [[Float]], unmarked: [Float]) -> [Float] {
        let parts = tissues.filter(\.isLabelTissue).map(\.density)
        let claimed = (0..<bins).map { b in parts.reduce(Float(0)) { max($0, $1[b]) } }
        return (0..<bins).map { b in
            labelDensities.reduce(Float(0)) { most, label in
                label[b] > unmarked[b] ? max(most, min(claimed[b] / label[b], 1)) : most
            }
        }
    }

    /// A label's density outside the range of the label's own seeds, between two sets of marked values, with the
    /// boundary half-way: kept below the background's where a value is nearer to a background stroke's value than
    /// to that range, where a kernel's tail would carry the label past it (the ventricles' partial-volume rim, and
    /// the third ventricle's narrow passage to the cisterns below), and above it where the value is nearer to the
    /// range than to the background's and to every other label's seeds, where the strokes' narrow density falls
    /// below the broad one of the tissue around the structure (on 5 mm CT slices a ventricle's rim, more fluid than
    /// brain, went to the brain; a lesion's strokes beside the liver's must not lift the lesion over the liver's
    /// values). The background's values count from its tissues that a stroke covers in earnest
    /// (`backgroundTissueShare` of its seeds: a loop's partial-volume steps between two tissues are not one) and that
    /// are not a label's own (the other ventricle a stroke crosses).
    static func withinTheBackgroundStrokesValues(_ density: [Float], own: [Int], background: [BackgroundTissue],
                                                 otherLabelsSeeds: [Int], backgroundDensity: [Float],
                                                 intensities: [Float]) -> [Float] {
        let ownBins = own.map { bin(intensities[$0]) }
        guard let low = ownBins.min(), let high = ownBins.max() else { return density }
        let otherBins = Set(otherLabelsSeeds.map { bin(intensities[$0]) })
        let seeds = background.reduce(0) { $0 + $1.seeds.count }
        let marked = background.filter { !$0.isLabelTissue && Float($0.seeds.count) >= backgroundTissueShare * Float(seeds) }
            .flatMap(\.seeds).map { bin(intensities[$0]) }
        let below = marked.filter { $0 < low }.max(), above = marked.filter { $0 > high }.min()
        var kept = density
        for b in 0..<bins where b < low || b > high {
            guard let fromBackground = (b < low ? below : above).map({ abs(b - $0) }) else { continue }
            let fromOwn = b < low ? low - b : b - high
            if fromBackground < fromOwn {
                kept[b] = min(kept[b], outsideOwnValues * backgroundDensity[b])
            } else if fromOwn < fromBackground, !otherBins.contains(where: { abs(b - $0) <= fromOwn }) {
                kept[b] = max(kept[b], nearOwnValues * backgroundDensity[b])
            }
        }
        return kept
    }

    /// The least share of the background's seeds a tissue of theirs holds to bound a label's values.
    static let backgroundTissueShare: Float = 0.02
    /// A label's density beyond its bound, relative to the background's: low enough that no smoothing carries the
    /// label there (a fifth and a twentieth gave the same answers on real images; with a half the cisterns below
    /// the ventricles came back).
    static let outsideOwnValues: Float = 0.1
    /// Short of the bound, the label's density is at least this many times the background's (on real images, at 1
    /// and 2 the 5 mm CT's ventricle kept less of its rim; at 4 the CT head's ventricles took a little too much).
    static let nearOwnValues: Float = 3

    /// Seeds grouped by the mode of their (smoothed) intensities each climbs to in the seeds' own histogram; a
    /// mode with fewer than 1 % of the seeds (a stroke's partial-volume steps) joins the nearest larger one.
    static func tissueModes(of seeds: [Int], smoothed: [Float], noise: Float) -> [[Int]] {
        let values = seeds.map { smoothed[$0] }
        let density = smoothedHistogram(of: values, noise: noise)
        func climb(_ b: Int) -> Int {
            var b = b
            while true {
                let left = b > 0 ? density[b - 1] : -1, right = b < bins - 1 ? density[b + 1] : -1
                if left > density[b] && left >= right { b -= 1 } else if right > density[b] { b += 1 } else { return b }
            }
        }
        let modeOfBin = (0..<bins).map(climb)
        var members: [Int: [Int]] = [:]
        for (n, x) in values.enumerated() { members[modeOfBin[bin(x)], default: []].append(seeds[n]) }
        let minimum = max(1, seeds.count / 100)
        let kept = members.filter { $0.value.count >= minimum }.keys.sorted()
        guard !kept.isEmpty else { return [seeds] }
        var groups = [Int: [Int]]()
        for mode in members.keys.sorted() {
            let target = kept.min { abs($0 - mode) < abs($1 - mode) }!
            groups[target, default: []] += members[mode]!
        }
        return kept.map { groups[$0]! }
    }

    /// The histogram bin of a windowed intensity; NaN (a float image may hold some) falls in the first bin.
    @inline(__always)
    static func bin(_ x: Float) -> Int {
        let scaled = x * Float(bins)
        return scaled >= Float(bins - 1) ? bins - 1 : scaled > 0 ? Int(scaled) : 0
    }

    /// Kernel density by bin. The bandwidth follows Silverman's rule on the samples' robust spread (`narrow`:
    /// a quarter of it, for a whole region's many-peaked histogram) and is never below the noise.
    static func density(of samples: [Float], noise: Float, narrow: Bool) -> [Float] {
        var counts = [Float](repeating: 0, count: bins)
        for s in samples { counts[bin(s)] += 1 }
        guard !samples.isEmpty else { return [Float](repeating: 1, count: bins) }
        let spread = robustSpread(counts)
        var bandwidth = 0.9 * spread * pow(Float(samples.count), -0.2)
        if narrow { bandwidth *= 0.25 }
        bandwidth = max(bandwidth, noise, 1 / Float(bins))
        let smoothed = GaussianSmoothing.apply(counts, shape: [bins, 1, 1], sigma: [Double(bandwidth * Float(bins)), 0, 0])
        let total = smoothed.reduce(0, +)
        return smoothed.map { $0 / total * Float(bins) }
    }

    /// A tissue's share π of the region: the largest with region ≥ π · tissue around the tissue's mode (a little
    /// less, as the estimate is noisy).
    static func share(of tissue: [Float], in region: [Float]) -> Float {
        let peak = tissue.max() ?? 0
        var share: Float = 1
        for b in 0..<bins where tissue[b] > 0.5 * peak { share = min(share, region[b] / tissue[b]) }
        return 0.9 * share
    }

    /// Seeds grouped by touching (6-connected), the largest 31 groups alone and the rest together.
    static func groups(of seeds: [Int], shape: [Int]) -> [[Int]] {
        guard !seeds.isEmpty else { return [] }
        var mask = [Bool](repeating: false, count: shape[0] * shape[1] * shape[2])
        for s in seeds { mask[s] = true }
        let (labels, sizes) = Components.label(mask, shape: shape)
        var groups = [[Int]](repeating: [], count: sizes.count)
        // In voxel order: a group's order decides which seed claims a voxel of the surroundings first.
        for s in Array(Set(seeds)).sorted() { groups[Int(labels[s])].append(s) }
        groups = groups.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        guard groups.count > 32 else { return groups }
        return Array(groups.prefix(31)) + [groups.dropFirst(31).flatMap { $0 }]
    }

    /// Tells strokes from clicks among groups of touching seeds (region indices).
    struct StrokeTest {
        /// A group of touching seeds longer than this is a stroke, not a click (the app's and the robot's click is
        /// a ball of 3 mm radius).
        static let strokeLengthMM = 15.0

        let shape: [Int]
        let spacing: [Double]
        /// The clicks' centres, where known (`Seeds.clicks`): a group that holds none is a stroke.
        let clicks: Set<Int>?

        /// Whether `seeds` hold a stroke.
        func hasStroke(_ seeds: [Int]) -> Bool { groups(of: seeds, shape: shape).contains(where: isStroke) }

        /// Whether a group of touching seeds is a stroke: it holds no click, or its box is longer than
        /// `strokeLengthMM` on a side (touching clicks).
        func isStroke(_ group: [Int]) -> Bool {
            if let clicks, !group.contains(where: clicks.contains) { return true }
            let (low, high) = box(of: group, shape: shape)
            return (0..<3).contains { Double(high[$0] - low[$0] + 1) * spacing[$0] > StrokeTest.strokeLengthMM }
        }
    }

    /// The lowest and highest voxel coordinates of a group, per axis.
    static func box(of group: [Int], shape: [Int]) -> (low: [Int], high: [Int]) {
        var low = [Int.max, Int.max, Int.max], high = [Int.min, Int.min, Int.min]
        for v in group {
            let p = [v % shape[0], v / shape[0] % shape[1], v / (shape[0] * shape[1])]
            for a in 0..<3 { (low[a], high[a]) = (min(low[a], p[a]), max(high[a], p[a])) }
        }
        return (low, high)
    }

    /// Counts of windowed values by bin, smoothed by a Gaussian as wide as the noise (at least one bin).
    static func smoothedHistogram(of values: [Float], noise: Float) -> [Float] {
        var counts = [Float](repeating: 0, count: bins)
        for x in values { counts[bin(x)] += 1 }
        return GaussianSmoothing.apply(counts, shape: [bins, 1, 1], sigma: [Double(max(noise, 1 / Float(bins)) * Float(bins)), 0, 0])
    }

    /// Standard deviation from the interquartile range of a histogram (robust to a second population).
    static func robustSpread(_ counts: [Float]) -> Float {
        let total = counts.reduce(0, +)
        var running: Float = 0, q1: Float = 0, q3: Float = 1
        var found1 = false
        for b in 0..<bins {
            running += counts[b]
            if !found1 && running >= 0.25 * total { q1 = (Float(b) + 0.5) / Float(bins); found1 = true }
            if running >= 0.75 * total { q3 = (Float(b) + 0.5) / Float(bins); break }
        }
        return max(q3 - q1, 1 / Float(bins)) / 1.349
    }

    /// The noise's standard deviation, from the median absolute difference between neighbours along the first
    /// axis (robust to the few pairs that straddle an edge). Pairs on a flat, clipped background are left out.
    static func noiseLevel(intensities: [Float], shape: [Int]) -> Float {
        guard shape[0] > 1 else { return 0 }
        var differences: [Float] = []
        for v in Region.evenlySpaced(50_000, of: intensities.count) where v % shape[0] < shape[0] - 1 {
            let a = intensities[v], b = intensities[v + 1]
            if (a <= 0 && b <= 0) || (a >= 1 && b >= 1) { continue }
            differences.append(abs(a - b))
        }
        guard !differences.isEmpty else { return 0 }
        differences.sort()
        return 1.4826 * differences[differences.count / 2] / Float(2).squareRoot()
    }
}
