// What the user marked: voxels per label (foreground) and voxels of the background, from scribble volumes,
// brush strokes or clicks.

import Foundation
import Volume

public struct Seeds: Sendable, Equatable {
    /// Foreground voxels per label value (1…N).
    public var foreground: [UInt16: [VoxelIndex]]
    /// Voxels that belong to no label.
    public var background: [VoxelIndex]
    /// The clicks' centres, where it is known which seeds are clicks: then a group of touching seeds that holds none
    /// is a stroke (a scribble, however short, marks its tissue; a click's ball only points at one). Nil: a group
    /// is a stroke when it is longer than a click's ball could be.
    public var clicks: [VoxelIndex]?

    public init(foreground: [UInt16: [VoxelIndex]] = [:], background: [VoxelIndex] = [], clicks: [VoxelIndex]? = nil) {
        self.foreground = foreground
        self.background = background
        self.clicks = clicks
    }

    public var labels: [UInt16] { foreground.keys.sorted() }
    public var isEmpty: Bool { foreground.values.allSatisfy(\.isEmpty) }
    public var all: [VoxelIndex] { foreground.values.flatMap { $0 } + background }

    /// One label against the rest: its seeds inside, every other label's and the background's outside.
    public func against(_ label: UInt16) -> Seeds {
        Seeds(foreground: [label: foreground[label] ?? []],
              background: background + foreground.filter { $0.key != label }.sorted { $0.key < $1.key }.flatMap(\.value),
              clicks: clicks)
    }

    /// Seeds from a scribble volume: 0 = none, `backgroundValue` = background, any other value = that label.
    /// `clicks`: the centres of the clicks whose balls the volume holds (the app's seed volume); every other mark in
    /// it is a stroke.
    public init(scribbles: LabelVolume, backgroundValue: UInt16, clicks: [VoxelIndex] = []) {
        var foreground: [UInt16: [VoxelIndex]] = [:]
        var background: [VoxelIndex] = []
        let shape = scribbles.shape
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let value = scribbles[i, j, k]
            guard value != 0 else { continue }
            if value == backgroundValue { background.append(VoxelIndex(i, j, k)) } else {
                foreground[value, default: []].append(VoxelIndex(i, j, k))
            }
        } } }
        self.init(foreground: foreground, background: background, clicks: clicks)
    }

    /// Seeds from clicks: a small ball of `radiusMM` around each click, positive for `label`, negative = background.
    public init(positive: [VoxelIndex], negative: [VoxelIndex], label: UInt16 = 1, radiusMM: Double, grid: Grid) {
        self.init(clicks: positive.map { Click($0, label: label, positive: true) } + negative.map { Click($0, label: label, positive: false) },
                  radiusMM: radiusMM, grid: grid)
    }

    /// Seeds from clicks in the order they were made: a ball of `radiusMM` around each, positive ones for their
    /// label, negative ones background. Where balls overlap, a voxel belongs to the nearest click (the later one
    /// at equal distance): a negative click beside a positive one says the edge lies between them, and neither
    /// click's own voxel may be taken by the other.
    public init(clicks: [Click], radiusMM: Double, grid: Grid) {
        let ball = Seeds.offsets(within: radiusMM, spacing: grid.spacingMM)
        var owner: [VoxelIndex: (click: Int, distance: Double)] = [:]
        for (n, click) in clicks.enumerated() where grid.contains(click.voxel) {
            for d in ball {
                let v = VoxelIndex(click.voxel.i + d.i, click.voxel.j + d.j, click.voxel.k + d.k)
                guard grid.contains(v) else { continue }
                let distance = grid.squaredDistanceMM(v, click.voxel)
                if let held = owner[v], held.distance < distance { continue }
                owner[v] = (n, distance)
            }
        }
        var foreground: [UInt16: [VoxelIndex]] = [:], background: [VoxelIndex] = []
        // In the clicks' order, each ball in its offsets' order: the order `balls(around:)` gives.
        for (n, click) in clicks.enumerated() where grid.contains(click.voxel) {
            for d in ball {
                let v = VoxelIndex(click.voxel.i + d.i, click.voxel.j + d.j, click.voxel.k + d.k)
                guard owner[v]?.click == n else { continue }
                if click.positive { foreground[click.label, default: []].append(v) } else { background.append(v) }
            }
        }
        self.init(foreground: foreground, background: background, clicks: clicks.map(\.voxel))
    }

    /// These seeds with each label's first positive click in `clicks` listed first: the likelihood takes a label's
    /// first seed for its first click, and seeds read from a volume come in the volume's order.
    public func leading(with clicks: [Click]) -> Seeds {
        var out = self
        for (label, list) in foreground {
            guard let first = clicks.first(where: { $0.positive && $0.label == label })?.voxel,
                  let at = list.firstIndex(of: first) else { continue }
            out.foreground[label]!.swapAt(0, at)
        }
        return out
    }

    /// The voxels within `radiusMM` of each centre (inside the grid).
    public static func balls(around centres: [VoxelIndex], radiusMM: Double, grid: Grid) -> [VoxelIndex] {
        let ball = offsets(within: radiusMM, spacing: grid.spacingMM)
        var out: [VoxelIndex] = []
        for c in centres where grid.contains(c) {
            for d in ball {
                let v = VoxelIndex(c.i + d.i, c.j + d.j, c.k + d.k)
                if grid.contains(v) { out.append(v) }
            }
        }
        return out
    }

    /// The offsets of the voxels within `radiusMM` of a voxel, at this spacing (k slowest, i fastest).
    public static func offsets(within radiusMM: Double, spacing: [Double]) -> [VoxelIndex] {
        let reach = (0..<3).map { Int((radiusMM / spacing[$0]).rounded(.down)) }
        var out: [VoxelIndex] = []
        for dk in -reach[2]...reach[2] { for dj in -reach[1]...reach[1] { for di in -reach[0]...reach[0] {
            let x = Double(di) * spacing[0], y = Double(dj) * spacing[1], z = Double(dk) * spacing[2]
            if x * x + y * y + z * z <= radiusMM * radiusMM { out.append(VoxelIndex(di, dj, dk)) }
        } } }
        return out
    }

    /// Both sets of seeds together.
    public func joined(with other: Seeds) -> Seeds {
        Seeds(foreground: foreground.merging(other.foreground) { $0 + $1 }, background: background + other.background,
              clicks: clicks.flatMap { mine in other.clicks.map { mine + $0 } })
    }

    /// The bounding box of every seed, grown by `marginMM` and clipped to the grid.
    public func boundingBox(marginMM: Double, grid: Grid) -> VoxelBox {
        let seeds = all
        guard let first = seeds.first else { return VoxelBox(lower: VoxelIndex(0, 0, 0), upper: VoxelIndex(0, 0, 0)) }
        var lower = first, upper = first
        for v in seeds {
            for axis in 0..<3 {
                lower[axis] = min(lower[axis], v[axis])
                upper[axis] = max(upper[axis], v[axis])
            }
        }
        var box = VoxelBox(lower: lower, upper: VoxelIndex(upper.i + 1, upper.j + 1, upper.k + 1))
        for axis in 0..<3 {
            let margin = Int((marginMM / grid.spacingMM[axis]).rounded(.up))
            box.lower[axis] -= margin
            box.upper[axis] += margin
        }
        return box.clipped(to: grid)
    }

    /// The same seeds in the coordinates of a box cut out of the grid (those outside are dropped).
    public func shifted(into box: VoxelBox) -> Seeds {
        func move(_ list: [VoxelIndex]) -> [VoxelIndex] {
            list.compactMap { v in
                let w = VoxelIndex(v.i - box.lower.i, v.j - box.lower.j, v.k - box.lower.k)
                return (0..<3).allSatisfy { w[$0] >= 0 && w[$0] < box.shape[$0] } ? w : nil
            }
        }
        return Seeds(foreground: foreground.mapValues(move), background: move(background), clicks: clicks.map(move))
    }
}

public enum SegmentationError: Error, Sendable, Equatable, CustomStringConvertible {
    case badInput(path: String, reason: String)
    case noSeeds
    case gridMismatch(String)
    case badPrompt(String)

    public var description: String {
        switch self {
        case .badInput(let path, let reason): "\(path): \(reason)"
        case .noSeeds: "no foreground seeds: scribble or click inside the structure first"
        case .gridMismatch(let what): "grid mismatch: \(what)"
        case .badPrompt(let why): why
        }
    }
}
