// What a reviewer checks per structure of a label map: its size (voxels and millilitres from the affine), how many
// pieces it is in (a stray island is the commonest error) and where it lies along the slice axis.

import Foundation

public struct StructureMeasure: Sendable, Equatable, Codable {
    public var label: UInt16
    public var voxels: Int
    public var millilitres: Double
    /// Connected pieces, neighbours by face, edge or corner (26-connectivity).
    public var components: Int
    /// Along the third voxel axis (the slice axis of most scans): the first and last slice holding the structure and
    /// the one holding most of it.
    public var firstSlice: Int
    public var largestSlice: Int
    public var lastSlice: Int

    public init(label: UInt16, voxels: Int, millilitres: Double, components: Int, firstSlice: Int, largestSlice: Int, lastSlice: Int) {
        (self.label, self.voxels, self.millilitres, self.components) = (label, voxels, millilitres, components)
        (self.firstSlice, self.largestSlice, self.lastSlice) = (firstSlice, largestSlice, lastSlice)
    }
}

extension LabelVolume {
    /// Millilitres of one voxel: the volume of the parallelepiped the affine maps a voxel to.
    public var voxelMillilitres: Double {
        let a = grid.affine
        let det = a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1])
            - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0])
            + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0])
        return abs(det) / 1000
    }

    /// One measure per label present, by label value.
    public func structureMeasures() -> [StructureMeasure] {
        let shape = grid.shape
        let (nx, ny, nz) = (shape[0], shape[1], shape[2])
        let plane = nx * ny
        // Label values to dense rows, so that the pass over every voxel does no hashing.
        var row = [Int32](repeating: -1, count: 65536)
        var present: [UInt16] = []
        for v in voxels where v != 0 && row[Int(v)] < 0 {
            row[Int(v)] = Int32(present.count)
            present.append(v)
        }
        var perSlice = [Int](repeating: 0, count: present.count * nz)
        for k in 0..<nz {
            let base = k * plane
            for n in base..<(base + plane) where voxels[n] != 0 { perSlice[Int(row[Int(voxels[n])]) * nz + k] += 1 }
        }
        let components = componentCounts()
        let millilitres = voxelMillilitres
        return present.sorted().map { label in
            let slices = Array(perSlice[(Int(row[Int(label)]) * nz)..<(Int(row[Int(label)]) * nz + nz)])
            let span = LabelVolume.span(slices)!
            let count = slices.reduce(0, +)
            return StructureMeasure(label: label, voxels: count, millilitres: Double(count) * millilitres,
                                    components: components[label] ?? 0, firstSlice: span.first, largestSlice: span.largest, lastSlice: span.last)
        }
    }

    /// Where one label lies along the slice axis: its first and last slice and the one holding most of it (nil when
    /// absent). One pass and no flood fill, for a jump that cannot wait for the whole measure.
    public func sliceSpan(of label: UInt16) -> (first: Int, largest: Int, last: Int)? {
        let plane = grid.shape[0] * grid.shape[1]
        var slices = [Int](repeating: 0, count: grid.shape[2])
        for n in 0..<voxels.count where voxels[n] == label { slices[n / plane] += 1 }
        return LabelVolume.span(slices)
    }

    /// First, largest (the first of equals) and last slice with a voxel, from voxel counts per slice.
    static func span(_ slices: [Int]) -> (first: Int, largest: Int, last: Int)? {
        guard let first = slices.firstIndex(where: { $0 > 0 }), let last = slices.lastIndex(where: { $0 > 0 }) else { return nil }
        let largest = slices.indices.max { slices[$0] < slices[$1] || (slices[$0] == slices[$1] && $0 > $1) }!
        return (first, largest, last)
    }

    /// Pieces per label: a flood fill from every voxel not yet reached, over neighbours with the same value.
    func componentCounts() -> [UInt16: Int] {
        let shape = grid.shape
        let (nx, ny, nz) = (shape[0], shape[1], shape[2])
        var reached = [Bool](repeating: false, count: voxels.count)
        var counts: [UInt16: Int] = [:]
        var stack: [Int] = []
        for start in 0..<voxels.count where voxels[start] != 0 && !reached[start] {
            let value = voxels[start]
            counts[value, default: 0] += 1
            reached[start] = true
            stack.append(start)
            while let n = stack.popLast() {
                let i = n % nx, j = (n / nx) % ny, k = n / (nx * ny)
                for dk in -1...1 where k + dk >= 0 && k + dk < nz {
                    for dj in -1...1 where j + dj >= 0 && j + dj < ny {
                        for di in -1...1 where i + di >= 0 && i + di < nx {
                            let m = n + di + nx * (dj + ny * dk)
                            if !reached[m] && voxels[m] == value {
                                reached[m] = true
                                stack.append(m)
                            }
                        }
                    }
                }
            }
        }
        return counts
    }

    /// Voxels where two maps on one grid disagree about `label` (in one and not the other).
    public func disagreement(with other: LabelVolume, label: UInt16) -> Int {
        precondition(voxels.count == other.voxels.count, "two maps on one grid")
        var n = 0
        for i in 0..<voxels.count where (voxels[i] == label) != (other.voxels[i] == label) { n += 1 }
        return n
    }
}
