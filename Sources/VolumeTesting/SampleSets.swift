// The bundled sample studies: which phantoms, with which seeds, orientations and labels, laid out as a MONAI
// Label study folder (images in the set's folder, ground truth in labels/final/<image id>.nii.gz).

import Foundation
import Volume

public enum SampleSets {
    public enum Modality: String, Sendable { case ct = "CT", mri = "MRI" }

    public struct Case: Sendable {
        public var id: String
        public var set: String
        public var modality: Modality
        public var seed: UInt64
        public var orientation: String
        /// Whether the ground truth ships as a final label; the rest are left for active learning.
        public var labeled: Bool

        public func make() -> Phantom {
            switch modality {
            case .ct: AbdomenPhantom.make(seed: seed, orientation: orientation)
            case .mri: HeadPhantom.make(seed: seed, orientation: orientation)
            }
        }
    }

    public static let cases: [Case] = {
        let ctOrientations = ["RAS", "LPS", "LAS", "RAS", "LPS", "RAS"]
        let ct = ctOrientations.enumerated().map { n, orientation in
            Case(id: String(format: "ct_%03d", n + 1), set: "ct-abdomen", modality: .ct, seed: 1001 + UInt64(n),
                 orientation: orientation, labeled: n < 3)
        }
        let mriOrientations = ["RAS", "LPS", "LAS"]
        let mri = mriOrientations.enumerated().map { n, orientation in
            Case(id: String(format: "mr_%03d", n + 1), set: "mri-head", modality: .mri, seed: 2001 + UInt64(n),
                 orientation: orientation, labeled: n < 2)
        }
        return ct + mri
    }()

    /// `count` more cases of each set from seeds the bundled ones do not use, all with ground truth, in the set
    /// `<set>-held-out`: studies to judge a model on that no model has seen, as many as the judgement needs.
    public static func heldOut(_ count: Int) -> [Case] {
        Dictionary(grouping: cases, by: \.set).sorted { $0.key < $1.key }.flatMap { set, bundled in
            (0..<count).map { n in
                let first = bundled[0]
                return Case(id: String(format: "%@_%03d", String(first.id.prefix(2)), 101 + n), set: set + "-held-out", modality: first.modality,
                            seed: first.seed + 100 + UInt64(n), orientation: bundled[n % bundled.count].orientation, labeled: true)
            }
        }
    }

    public static func labelNames(for modality: Modality) -> [String] {
        modality == .ct ? AbdomenPhantom.labelNames : HeadPhantom.labelNames
    }

    /// Writes every case (or those of one set) below `folder`; `progress` hears of each file written.
    /// `allLabeled` writes the ground truth of the unlabeled cases too (to evaluate on studies no model saw).
    /// `heldOut` adds that many held-out cases of each set (`heldOut(_:)`).
    public static func write(to folder: String, only set: String? = nil, allLabeled: Bool = false, heldOut: Int = 0,
                             progress: (String) -> Void = { _ in }) throws {
        for item in cases + SampleSets.heldOut(heldOut) where set == nil || item.set == set || item.set == set! + "-held-out" {
            let setFolder = folder + "/" + item.set
            let labelFolder = setFolder + "/labels/final"
            try FileManager.default.createDirectory(atPath: labelFolder, withIntermediateDirectories: true)
            let phantom = item.make()
            let imagePath = setFolder + "/\(item.id).nii.gz"
            try phantom.image.write(to: imagePath, compressionLevel: 9)  // written once, shipped often
            progress(imagePath)
            if item.labeled || allLabeled {
                let labelPath = labelFolder + "/\(item.id).nii.gz"
                try phantom.labels.write(to: labelPath)
                progress(labelPath)
            }
            try writeLabelNames(item, to: setFolder + "/labels.json")
        }
    }

    /// `labels.json`: label names and values, as MONAI Label apps declare them, plus the modality.
    static func writeLabelNames(_ item: Case, to path: String) throws {
        let names = labelNames(for: item.modality)
        let entries = names.enumerated().map { "    \"\($0.element)\": \($0.offset + 1)" }.joined(separator: ",\n")
        let text = "{\n  \"modality\": \"\(item.modality.rawValue)\",\n  \"labels\": {\n\(entries)\n  }\n}\n"
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}
