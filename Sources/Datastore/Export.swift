// Exporting the labeled studies for training elsewhere (a GPU cluster): the Medical Segmentation Decathlon layout
// that MONAI reads, or nnU-Net's (v2) raw dataset layout, each with its dataset.json. Images and labels are
// linked (or copied) from where they are; nothing in the study folder changes.

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
        var training: [[String: String]] = [], test: [String] = []
        var names: [LabelName] = try LabelNamesFile.read(location.folder + "/labels.json")
        for row in rows {
            let id = row.study.imageId
            let image = location.folder + "/" + row.study.path
            let imageName = format == .nnunet ? "\(id)_0000.nii.gz" : "\(id).nii.gz"
            // nnU-Net and MONAI expect .nii.gz; an uncompressed image is linked under a .nii name.
            let imageTarget = row.study.path.hasSuffix(".nii") ? String(imageName.dropLast(3)) : imageName
            if let final = row.newest["final"] {
                try place(image, output + "/imagesTr/" + imageTarget)
                try place(final.path, output + "/labelsTr/\(id).nii.gz")
                training.append(["image": "./imagesTr/" + imageTarget, "label": "./labelsTr/\(id).nii.gz"])
                if names.isEmpty { names = final.labelNames }
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
            for n in names { labels[n.name] = Int(n.value) }
            dataset = ["name": name, "channel_names": ["0": modality], "labels": labels, "numTraining": training.count,
                       "file_ending": ".nii.gz"]
        }
        let data = try JSONSerialization.data(withJSONObject: dataset, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(data, to: output + "/dataset.json")
        return ExportSummary(training: training.count, test: test.count, leftOut: present.count - rows.count)
    }
}
