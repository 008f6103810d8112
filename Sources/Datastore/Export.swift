// Exporting the labeled studies for training elsewhere (a GPU cluster): the Medical Segmentation Decathlon layout
// that MONAI reads, or nnU-Net's (v2) raw dataset layout, each with its dataset.json. Images and labels are
// linked (or copied) from where they are; nothing in the study folder changes. A label file is written anew only
// where the dataset would otherwise be refused: values the folder's labels do not name become background (as they
// train here), and nnU-Net, which wants its label values consecutive from 1, gets them renumbered.

import Foundation
import Volume

public enum ExportFormat: String, Sendable, CaseIterable {
    case monai, nnunet
}

public struct ExportSummary: Sendable, Equatable {
    public var training: Int
    public var test: Int
    /// Studies not exported because their final label was not accepted (with `reviewedOnly`).
    public var leftOut = 0
    /// What was changed in the label files written anew rather than linked (unnamed values, renumbering).
    public var notes: [String] = []
}

extension AppDatabase {
    /// `reviewedOnly`: only studies whose final label was accepted by a reviewer (the others are left out).
    public func export(to output: String, format: ExportFormat, copy: Bool = false, reviewedOnly: Bool = false) throws -> ExportSummary {
        try sync()
        let present = try studyRows().filter { $0.study.status != .missing }
        let rows = reviewedOnly ? present.filter { $0.study.status == .reviewed } : present
        let manager = FileManager.default
        for folder in ["imagesTr", "labelsTr", "imagesTs"] {
            try manager.createDirectory(atPath: output + "/" + folder, withIntermediateDirectories: true)
        }
        func place(_ source: String, _ target: String) throws {
            try? manager.removeItem(atPath: target)
            if copy { try manager.copyItem(atPath: source, toPath: target) } else { try manager.createSymbolicLink(atPath: target, withDestinationPath: source) }
        }
        var training: [[String: String]] = [], test: [String] = [], notes: [String] = []
        var names: [LabelName] = try LabelNamesFile.read(location.folder + "/labels.json")
        let finals = rows.compactMap { $0.newest["final"] }
        if names.isEmpty, let saved = finals.first { names = saved.labelNames }
        // No names anywhere: every value the labels hold, by number.
        if names.isEmpty {
            let values = try Set(finals.flatMap { try LabelVolume(contentsOf: $0.path).labelsPresent }).sorted()
            names = values.map { LabelName(value: $0, name: "label \($0)") }
        }
        names = names.filter { $0.value != 0 }.sorted { $0.value < $1.value }
        // The value each named label has in the dataset: its own, or for nnU-Net its rank from 1.
        let exported = Dictionary(names.enumerated().map { ($0.element.value, format == .nnunet ? UInt16($0.offset + 1) : $0.element.value) },
                                  uniquingKeysWith: { a, _ in a })
        let renamed = names.filter { exported[$0.value] != $0.value }
        if !renamed.isEmpty {
            notes.append("label values renumbered for nnU-Net (consecutive from 1): "
                         + renamed.map { "\($0.name) \($0.value) → \(exported[$0.value]!)" }.joined(separator: ", "))
        }
        for row in rows {
            let id = row.study.imageId
            let image = location.folder + "/" + row.study.path
            let imageName = format == .nnunet ? "\(id)_0000.nii.gz" : "\(id).nii.gz"
            // nnU-Net and MONAI expect .nii.gz; an uncompressed image is linked under a .nii name.
            let imageTarget = row.study.path.hasSuffix(".nii") ? String(imageName.dropLast(3)) : imageName
            if let final = row.newest["final"] {
                try place(image, output + "/imagesTr/" + imageTarget)
                let target = output + "/labelsTr/\(id).nii.gz"
                var label = try LabelVolume(contentsOf: final.path)
                let values = label.labelsPresent
                let unnamed = values.filter { exported[$0] == nil }
                if unnamed.isEmpty && values.allSatisfy({ exported[$0] == $0 }) {
                    try place(final.path, target)
                } else {
                    var table = [UInt16](repeating: 0, count: 65536)
                    for (value, to) in exported { table[Int(value)] = to }
                    label.voxels = label.voxels.map { table[Int($0)] }
                    // Written to a temporary file renamed over the target: an earlier export's link there is replaced.
                    try label.write(to: target)
                    if !unnamed.isEmpty {
                        notes.append("\(id): label \(unnamed.count == 1 ? "value" : "values") \(unnamed.map(String.init).joined(separator: ", ")) "
                                     + "not named by the folder's labels, exported as background")
                    }
                }
                training.append(["image": "./imagesTr/" + imageTarget, "label": "./labelsTr/\(id).nii.gz"])
            } else {
                try place(image, output + "/imagesTs/" + imageTarget)
                test.append("./imagesTs/" + imageTarget)
            }
        }
        let modality = try LabelNamesFile.modality(location.folder + "/labels.json") ?? "image"
        let name = URL(fileURLWithPath: location.folder).lastPathComponent
        let dataset: [String: Any]
        switch format {
        case .monai:
            var labels = ["0": "background"]
            for n in names { labels[String(n.value)] = n.name }
            dataset = ["name": name, "description": "Exported by TermLabel", "tensorImageSize": "3D",
                       "modality": ["0": modality], "labels": labels, "numTraining": training.count, "numTest": test.count,
                       "training": training, "test": test]
        case .nnunet:
            var labels: [String: Int] = ["background": 0]
            for n in names { labels[n.name] = Int(exported[n.value]!) }
            dataset = ["name": name, "channel_names": ["0": modality], "labels": labels, "numTraining": training.count,
                       "file_ending": ".nii.gz"]
        }
        let data = try JSONSerialization.data(withJSONObject: dataset, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(data, to: output + "/dataset.json")
        return ExportSummary(training: training.count, test: test.count, leftOut: present.count - rows.count, notes: notes)
    }
}
