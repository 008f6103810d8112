// Small study folders in MONAI Label's layout, made on the fly from phantoms, removed when the fixture goes.

import Foundation
import Volume
import VolumeTesting

final class StudyFolderFixture {
    let path: String
    let images: [String: Volume]

    /// `count` small CT phantoms; ground truth as labels/final for the first `labeled`.
    init(count: Int = 3, labeled: Int = 1, name: String = #function) throws {
        path = NSTemporaryDirectory() + "termlabel-store-\(getpid())-\(name.filter { $0.isLetter })-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path + "/labels/final", withIntermediateDirectories: true)
        var images: [String: Volume] = [:]
        for n in 0..<count {
            let id = String(format: "case_%02d", n)
            let phantom = AbdomenPhantom.make(seed: UInt64(500 + n), shape: [24, 24, 8], spacing: [12, 0, 20])
            try phantom.image.write(to: path + "/\(id).nii.gz")
            if n < labeled { try phantom.labels.write(to: path + "/labels/final/\(id).nii.gz") }
            images[id] = phantom.image
        }
        self.images = images
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func labelMap(_ id: String, value: UInt16, at offsets: [Int]) -> LabelVolume {
        var label = LabelVolume(grid: images[id]!.grid)
        for o in offsets { label.voxels[o] = value }
        return label
    }
}
