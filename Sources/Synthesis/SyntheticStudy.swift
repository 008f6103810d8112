// Synthetic training studies for click models that must work on images they have never seen (domain
// randomisation, as SynthSeg trains on label maps): a random label map of varied shapes, then an image formed from
// it with random contrast, texture, blur, bias, noise, gamma, inversion and resolution. A network trained on these
// learns "the structure under the click, up to its edges", not the look of one data set.
//
// The shapes are what annotators meet: smooth blobs and ellipsoids, tubes (vessels), thin folded sheets (a cortex),
// nested shells (a wall around a lumen), structures with holes, and pairs that touch with the same intensity (only
// the clicks can tell them apart). Everything is drawn from one seed: the same seed gives the same bytes.

import Foundation
import Randomness
import Volume
import VolumeTesting

public enum StructureKind: String, Sendable, CaseIterable {
    /// The few tissues that fill the field of view between the structures.
    case tissue
    /// Air around the body, as a scan's field of view holds it.
    case outside
    case ellipsoid, blob, tube, sheet, shell, lumen, holed
    /// Two structures that touch and share their intensity distribution.
    case twin
}

/// How a study was drawn, for the record and for tests.
public struct SynthesisRecord: Sendable {
    public var spacingMM: [Double]
    /// The kind of each label value (index 0 is value 1).
    public var kinds: [StructureKind]
    /// Label values that share their intensity distribution with another (twins).
    public var sharedIntensity: [[UInt16]]
    public var ctLike: Bool
    public var inverted: Bool
    public var rician: Bool
}

public struct SyntheticStudy: Sendable {
    public var image: Volume
    public var labels: LabelVolume
    public var record: SynthesisRecord

    /// One study on a grid of `shape` voxels (nil: a scan's field of view, 140–260 mm across and 90–200 mm along
    /// the slices, at most 160 × 160 × 96 voxels); voxel sizes, anisotropy and everything else drawn from `seed`.
    public static func make(seed: UInt64, shape requested: [Int]? = nil) -> SyntheticStudy {
        var random = SplitMix(seed: seed ^ 0x5EED_5EED_5EED_5EED)
        // In-plane 0.7–2 mm, slices 1–6 mm (thick slices half the time: the hard case).
        let inPlane = random.uniform(0.7, 2.0)
        let slice = random.nextUnit() < 0.5 ? random.uniform(inPlane, 2.5) : random.uniform(2.5, 6)
        let spacing = [inPlane, inPlane, slice]
        // The field of view and the body come from a stream of their own, so that the shapes and the acquisition of
        // a seed stay those drawn on a fixed grid.
        var framing = SplitMix(seed: seed ^ 0xB0D7_B0D7_B0D7_B0D7)
        // A network's crop spans 200 mm or more: a field of view smaller than that teaches it a world that ends in
        // padding, and structures no larger than a few centimetres.
        let shape = requested ?? {
            let across = framing.uniform(140, 260), along = framing.uniform(90, 200)
            let n = min(160, max(48, Int((across / inPlane).rounded())))
            return [n, n, min(96, max(16, Int((along / slice).rounded())))]
        }()
        let orientation = ["RAS", "LPS", "LAS", "RPI"][Int(random.next() % 4)]
        let grid = Phantom.centredGrid(shape: shape, spacing: spacing, orientation: orientation)
        let extent = (0..<3).map { Double(shape[$0]) * spacing[$0] / 2 }

        var scene = Scene()
        scene.addTissues(random: &random, extent: extent)
        let count = 4 + Int(random.next() % 7)
        for _ in 0..<count { scene.addStructure(random: &random, extent: extent) }
        var draw = Imaging(random: &random, labels: scene.kinds.count)
        if framing.nextUnit() < 0.6 {
            scene.addOutside(random: &framing, extent: extent)
            // Air is the darkest thing in a scan (the brightest once inverted), and nearly uniform.
            draw.addLabel(mean: framing.uniform(0, 0.04), spread: framing.uniform(0, 0.01), random: &framing)
        }
        // Twins look alike: only where the user clicks tells them apart.
        for pair in scene.twins {
            draw.means[Int(pair[1])] = draw.means[Int(pair[0])]
            draw.spreads[Int(pair[1])] = draw.spreads[Int(pair[0])]
        }

        // Each voxel's label is the scene's at its centre; its intensity the mean over sub-slices, so that thick
        // slices blur across edges (partial volume) as a real acquisition does.
        let subSlices = slice > 2 * inPlane ? 3 : 1
        var labelValues = [UInt16](repeating: 0, count: grid.voxelCount)
        var signal = [Float](repeating: 0, count: grid.voxelCount)
        let a = grid.affine
        for k in 0..<shape[2] {
            for j in 0..<shape[1] {
                for i in 0..<shape[0] {
                    let n = grid.offset(i, j, k)
                    var sum = 0.0
                    for s in 0..<subSlices {
                        let dk = subSlices == 1 ? 0 : (Double(s) - Double(subSlices - 1) / 2) / Double(subSlices)
                        let p = a.apply((Double(i), Double(j), Double(k) + dk))
                        let label = scene.label(at: p)
                        if s == subSlices / 2 { labelValues[n] = label }
                        sum += draw.intensity(label: label, at: p)
                    }
                    signal[n] = Float(sum / Double(subSlices))
                }
            }
        }
        let image = draw.acquire(signal, grid: grid, random: &random)
        let record = SynthesisRecord(spacingMM: spacing, kinds: scene.kinds, sharedIntensity: scene.twins,
                                     ctLike: draw.ctLike, inverted: draw.inverted, rician: draw.rician)
        return SyntheticStudy(image: image, labels: LabelVolume(grid: grid, voxels: labelValues), record: record)
    }
}

/// The label map as shapes in world millimetres, painted in order (a later shape covers an earlier one).
struct Scene {
    var kinds: [StructureKind] = []
    var twins: [[UInt16]] = []
    private var tissueField: SmoothField?
    /// The body: outside it lies air (`outsideLabel`).
    private var body: Blob?
    private var outsideLabel: UInt16?
    private var tissueCuts: [Double] = []
    private var shapes: [(value: UInt16, shape: Shape, box: Box)] = []

    /// World-space bounds of a shape, to skip it quickly where it cannot be.
    struct Box {
        var lower: (Double, Double, Double), upper: (Double, Double, Double)

        init(_ lower: (Double, Double, Double), _ upper: (Double, Double, Double)) {
            self.lower = lower
            self.upper = upper
        }

        init(_ blob: Blob) { (lower, upper) = blob.extent }

        @inline(__always)
        func holds(_ p: (Double, Double, Double)) -> Bool {
            p.0 >= lower.0 && p.0 <= upper.0 && p.1 >= lower.1 && p.1 <= upper.1 && p.2 >= lower.2 && p.2 <= upper.2
        }
    }

    enum Shape {
        case blob(Blob)
        /// Inside `within`, where |field| < halfThickness (a folded sheet of that thickness).
        case sheet(within: Blob, field: SmoothField, halfThickness: Double)
        /// Within `radius` of a smooth curve through the points.
        case tube(points: [(Double, Double, Double)], radius: Double)
        /// Inside `outer` and outside `hole` (the hole keeps whatever was there before).
        case holed(outer: Blob, hole: Blob)
    }

    mutating func add(_ kind: StructureKind) -> UInt16 {
        kinds.append(kind)
        return UInt16(kinds.count)
    }

    /// Two or three tissues filling the field of view, as bands of a smooth field.
    mutating func addTissues(random: inout SplitMix, extent: [Double]) {
        let count = 2 + Int(random.next() % 2)
        tissueField = SmoothField(random: &random, waves: 6, shortestMM: 40, longestMM: 160)
        tissueCuts = (1..<count).map { _ in random.uniform(-0.4, 0.4) }.sorted()
        for _ in 0..<count { _ = add(.tissue) }
    }

    /// A body that ends inside the field of view (most of it in plane, every slice through it), air around it.
    mutating func addOutside(random: inout SplitMix, extent: [Double]) {
        body = Blob(center: (random.uniform(-0.1, 0.1) * extent[0], random.uniform(-0.1, 0.1) * extent[1], 0),
                    radii: (random.uniform(0.7, 1.0) * extent[0], random.uniform(0.7, 1.0) * extent[1], 3 * extent[2]),
                    yaw: random.uniform(0, .pi), roughness: random.uniform(0.02, 0.12), random: &random)
        outsideLabel = add(.outside)
    }

    mutating func addStructure(random: inout SplitMix, extent: [Double]) {
        func centre() -> (Double, Double, Double) {
            (random.uniform(-0.7, 0.7) * extent[0], random.uniform(-0.7, 0.7) * extent[1], random.uniform(-0.7, 0.7) * extent[2])
        }
        func radii(_ lo: Double, _ hi: Double) -> (Double, Double, Double) {
            (random.uniform(lo, hi), random.uniform(lo, hi), random.uniform(lo, hi))
        }
        let small = min(extent[0], extent[2])
        let choices: [StructureKind] = [.ellipsoid, .blob, .tube, .sheet, .shell, .holed, .twin]
        let kind = choices[Int(random.next() % UInt64(choices.count))]
        switch kind {
        case .ellipsoid:
            let blob = Blob(center: centre(), radii: radii(0.08 * small, 0.4 * small), yaw: random.uniform(0, .pi),
                            roughness: random.uniform(0, 0.08), random: &random)
            shapes.append((add(.ellipsoid), .blob(blob), Box(blob)))
        case .blob:
            let blob = Blob(center: centre(), radii: radii(0.1 * small, 0.45 * small), yaw: random.uniform(0, .pi),
                            roughness: random.uniform(0.15, 0.4), random: &random, waveLengthMM: 15...60)
            shapes.append((add(.blob), .blob(blob), Box(blob)))
        case .tube:
            let start = centre()
            var points = [start]
            var direction = (random.gaussian(), random.gaussian(), random.gaussian())
            for _ in 0..<4 {
                let last = points.last!
                let step = random.uniform(0.15, 0.35) * small * 2
                direction = (direction.0 + 0.6 * random.gaussian(), direction.1 + 0.6 * random.gaussian(), direction.2 + 0.6 * random.gaussian())
                let norm = max((direction.0 * direction.0 + direction.1 * direction.1 + direction.2 * direction.2).squareRoot(), 1e-9)
                points.append((last.0 + step * direction.0 / norm, last.1 + step * direction.1 / norm, last.2 + step * direction.2 / norm))
            }
            let curve = Scene.smoothCurve(points), radius = random.uniform(1.5, 6)
            let box = Box((curve.map(\.0).min()! - radius, curve.map(\.1).min()! - radius, curve.map(\.2).min()! - radius),
                          (curve.map(\.0).max()! + radius, curve.map(\.1).max()! + radius, curve.map(\.2).max()! + radius))
            shapes.append((add(.tube), .tube(points: curve, radius: radius), box))
        case .sheet:
            let region = Blob(center: centre(), radii: radii(0.25 * small, 0.5 * small), yaw: random.uniform(0, .pi),
                              roughness: 0.1, random: &random)
            let field = SmoothField(random: &random, waves: 6, shortestMM: 12, longestMM: 40)
            shapes.append((add(.sheet), .sheet(within: region, field: field, halfThickness: random.uniform(0.03, 0.09)), Box(region)))
        case .shell:
            // A wall around a lumen: two labels, the lumen painted inside the wall.
            let outer = Blob(center: centre(), radii: radii(0.12 * small, 0.4 * small), yaw: random.uniform(0, .pi),
                             roughness: random.uniform(0, 0.15), random: &random)
            let inner = Scene.scaled(outer, by: random.uniform(0.45, 0.8))
            shapes.append((add(.shell), .blob(outer), Box(outer)))
            shapes.append((add(.lumen), .blob(inner), Box(inner)))
        case .holed:
            let outer = Blob(center: centre(), radii: radii(0.15 * small, 0.4 * small), yaw: random.uniform(0, .pi),
                             roughness: random.uniform(0, 0.2), random: &random)
            var hole = Scene.scaled(outer, by: random.uniform(0.3, 0.6))
            hole.center = (outer.center.0 + random.uniform(-0.2, 0.2) * outer.radii.0, outer.center.1, outer.center.2)
            shapes.append((add(.holed), .holed(outer: outer, hole: hole), Box(outer)))
        case .twin:
            // Two blobs that touch: the second's centre at the sum of their radii along a random direction.
            let first = Blob(center: centre(), radii: radii(0.1 * small, 0.3 * small), yaw: random.uniform(0, .pi),
                             roughness: random.uniform(0, 0.2), random: &random)
            let r2 = radii(0.1 * small, 0.3 * small)
            let angle = random.uniform(0, 2 * .pi)
            let reach = 0.9 * (first.radii.0 + r2.0)
            let second = Blob(center: (first.center.0 + reach * cos(angle), first.center.1 + reach * sin(angle), first.center.2),
                              radii: r2, yaw: random.uniform(0, .pi), roughness: random.uniform(0, 0.2), random: &random)
            let a = add(.twin), b = add(.twin)
            shapes.append((a, .blob(first), Box(first)))
            shapes.append((b, .blob(second), Box(second)))
            twins.append([a, b])
        case .tissue, .lumen, .outside:
            break
        }
    }

    /// The same blob, its radii times `scale` (a lumen in its wall, a hole in its structure).
    static func scaled(_ blob: Blob, by scale: Double) -> Blob {
        var copy = blob
        copy.radii = (blob.radii.0 * scale, blob.radii.1 * scale, blob.radii.2 * scale)
        return copy
    }

    /// Catmull–Rom through the points, 8 samples per segment.
    static func smoothCurve(_ points: [(Double, Double, Double)]) -> [(Double, Double, Double)] {
        var out: [(Double, Double, Double)] = []
        for s in 0..<(points.count - 1) {
            let p0 = points[max(s - 1, 0)], p1 = points[s], p2 = points[s + 1], p3 = points[min(s + 2, points.count - 1)]
            for t in stride(from: 0.0, to: 1.0, by: 0.125) {
                func spline(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> Double {
                    0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t * t + (-a + 3 * b - 3 * c + d) * t * t * t)
                }
                out.append((spline(p0.0, p1.0, p2.0, p3.0), spline(p0.1, p1.1, p2.1, p3.1), spline(p0.2, p1.2, p2.2, p3.2)))
            }
        }
        out.append(points.last!)
        return out
    }

    /// The label at a world point: the last shape that holds it, else air outside the body, else the tissue there.
    func label(at p: (Double, Double, Double)) -> UInt16 {
        for (value, shape, box) in shapes.reversed() where box.holds(p) && Scene.holds(shape, p) { return value }
        // Air takes the place of the tissues only: a structure is whole even where it reaches past the body.
        if let body, let outsideLabel, !body.contains(p.0, p.1, p.2) { return outsideLabel }
        let t = tissueField?.value(p.0, p.1, p.2) ?? 0
        return UInt16(1 + tissueCuts.filter { t > $0 }.count)
    }

    static func holds(_ shape: Shape, _ p: (Double, Double, Double)) -> Bool {
        switch shape {
        case .blob(let blob):
            return blob.contains(p.0, p.1, p.2)
        case .sheet(let region, let field, let halfThickness):
            return region.contains(p.0, p.1, p.2) && abs(field.value(p.0, p.1, p.2)) < halfThickness
        case .tube(let points, let radius):
            // The distance to each segment, until one is near enough.
            var best = Double.infinity
            for s in 0..<(points.count - 1) {
                let a = points[s], b = points[s + 1]
                let ab = (b.0 - a.0, b.1 - a.1, b.2 - a.2), ap = (p.0 - a.0, p.1 - a.1, p.2 - a.2)
                let length2 = ab.0 * ab.0 + ab.1 * ab.1 + ab.2 * ab.2
                let t = length2 > 0 ? min(max((ap.0 * ab.0 + ap.1 * ab.1 + ap.2 * ab.2) / length2, 0), 1) : 0
                let d = (ap.0 - t * ab.0, ap.1 - t * ab.1, ap.2 - t * ab.2)
                best = min(best, d.0 * d.0 + d.1 * d.1 + d.2 * d.2)
                if best < radius * radius { return true }
            }
            return false
        case .holed(let outer, let hole):
            return outer.contains(p.0, p.1, p.2) && !hole.contains(p.0, p.1, p.2)
        }
    }
}

/// How labels become an image: each label's intensity distribution and texture, then the acquisition's blur, bias,
/// gamma, inversion, noise and range.
struct Imaging {
    var means: [Double]
    var spreads: [Double]
    var textures: [SmoothField]
    var bias: SmoothField
    var biasStrength: Double
    var blurVoxels: [Double]
    var gamma: Double
    var noise: Double
    var ctLike: Bool
    var inverted: Bool
    var rician: Bool

    init(random: inout SplitMix, labels: Int) {
        means = (0...labels).map { _ in random.uniform(0.05, 0.95) }
        spreads = (0...labels).map { _ in random.uniform(0.005, 0.06) }
        textures = (0...labels).map { _ in SmoothField(random: &random, waves: 4, shortestMM: 3, longestMM: 20) }
        bias = SmoothField(random: &random, waves: 4, shortestMM: 120, longestMM: 400)
        biasStrength = random.nextUnit() < 0.3 ? 0 : random.uniform(0.05, 0.35)
        let blur = random.uniform(0, 1.0)
        blurVoxels = [blur, blur, random.uniform(0, 0.6)]
        gamma = exp(0.35 * random.gaussian())
        noise = random.uniform(0.005, 0.07)
        ctLike = random.nextUnit() < 0.4
        inverted = random.nextUnit() < 0.2
        rician = !ctLike && random.nextUnit() < 0.6
    }

    /// One more label, its texture drawn from `random`.
    mutating func addLabel(mean: Double, spread: Double, random: inout SplitMix) {
        means.append(mean)
        spreads.append(spread)
        textures.append(SmoothField(random: &random, waves: 4, shortestMM: 3, longestMM: 20))
    }

    /// A label's intensity at a point before the acquisition: its mean and a smooth texture of its spread.
    func intensity(label: UInt16, at p: (Double, Double, Double)) -> Double {
        let l = Int(label)
        return means[l] + spreads[l] * textures[l].value(p.0, p.1, p.2) * 3
    }

    func acquire(_ signal: [Float], grid: Grid, random: inout SplitMix) -> Volume {
        var values = GaussianSmoothing.apply(signal, shape: grid.shape, sigma: blurVoxels)
        let a = grid.affine
        for k in 0..<grid.shape[2] {
            for j in 0..<grid.shape[1] {
                for i in 0..<grid.shape[0] {
                    let n = grid.offset(i, j, k)
                    let p = a.apply((Double(i), Double(j), Double(k)))
                    var v = min(max(Double(values[n]), 0), 1)
                    v = pow(v, gamma)
                    if inverted { v = 1 - v }
                    v *= exp(biasStrength * bias.value(p.0, p.1, p.2))
                    if rician {
                        let re = v + noise * random.gaussian(), im = noise * random.gaussian()
                        v = (re * re + im * im).squareRoot()
                    } else {
                        v += noise * random.gaussian()
                    }
                    // CT-like: Hounsfield-like numbers from air to bone; MRI-like: positive arbitrary units (a
                    // magnitude image: noise on air never goes below zero).
                    values[n] = Float((ctLike ? v * 1600 - 1000 : max(v, 0) * 1000).rounded())
                }
            }
        }
        let header = ImageHeader(datatype: .int16, dims: grid.shape, zooms: grid.spacingMM)
        return Volume(grid: grid, voxels: values, header: header)
    }
}
