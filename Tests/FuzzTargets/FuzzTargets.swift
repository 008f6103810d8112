// What the fuzzers feed: each target takes raw bytes, puts them where a user's file would be, and reads them the
// way the app and the verbs do. Any error is fine (it is what a bad file should give); a trap, a hang or an
// allocation past the budget is a finding. Used by the libFuzzer binary and by the tests that replay the corpus.

import Engine
import Foundation
import Learning
import Server
import TUI
import Volume

public enum FuzzTarget: String, CaseIterable, Sendable {
    case nifti, safetensors, theme, keymap, clicks, nrrd, multipart

    /// Reads `data` as this target's kind of file. Errors are swallowed: they are the expected outcome.
    public func run(_ data: Data) {
        // Reads never get more than this: a header claiming gigabytes must be refused, not obeyed.
        MemoryBudget.bytes = 256 << 20
        let folder = NSTemporaryDirectory() + "termlabel-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let gzip = data.starts(with: [0x1F, 0x8B])
        let name = switch self {
        case .nifti: gzip ? "input.nii.gz" : "input.nii"
        case .safetensors: "input.safetensors"
        case .theme: "input.toml"
        case .keymap: "keys.toml"
        case .clicks: "input.json"
        case .nrrd: "input.nrrd"
        case .multipart: "body"
        }
        let path = folder + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: data) else { return }
        defer {
            unlink(path)
            rmdir(folder)
        }
        switch self {
        case .nifti:
            _ = try? ImageSummary(path: path)
            if let volume = try? Volume(contentsOf: path) {
                _ = IntensityWindow.percentiles(of: volume)
                _ = volume.resampled(spacingMM: [4, 4, 4])
            }
            _ = try? LabelVolume(contentsOf: path)
        case .safetensors:
            _ = try? Safetensors.read(path)
            _ = try? SegmentationModel.load(path)
        case .theme:
            _ = try? Theme(path: path)
        case .keymap:
            _ = try? Keymap.loading(overridesAt: path)
        case .clicks:
            _ = try? ClickJSON.read(path, labels: ["liver": 1, "spleen": 2])
            _ = try? ClickJSON.readPoints(path)
        case .nrrd:
            // An upload or a label sent to `termlabel serve`.
            _ = try? NrrdFile.readVolume(path)
            _ = try? LabelVolume(contentsOfAnyFormat: path)
        case .multipart:
            // A request body sent to `termlabel serve`, with the boundary its Content-Type would name.
            _ = try? Multipart.parse(data, boundary: "XyZ")
            _ = try? ServerRequest(method: "PUT", uri: "/datastore/label?image=a%2F..&tag=%ZZ",
                                   headers: ["Content-Type": "multipart/form-data; boundary=XyZ"], body: data).parts()
        }
    }
}
