// What a model is: its kind, its network, the labels it predicts and how an image is prepared for it. Saved as
// JSON in the weights file's metadata, so a safetensors file is enough to run the model it holds.

import Engine
import Foundation

public enum ModelKind: String, Sendable, Codable, CaseIterable {
    /// Image + foreground and background guidance on one axial slice, cropped around the clicks → one structure.
    case deepgrow2d
    /// The same on a 3D region around the clicks.
    case deepgrow3d
    /// Image + one guidance map per label (background first): automatic with no clicks, editing with clicks.
    case deepedit
    /// Image only, sliding window over the whole volume.
    case auto

    public var spatialDims: Int { self == .deepgrow2d ? 2 : 3 }
    public var isDeepGrow: Bool { self == .deepgrow2d || self == .deepgrow3d }
}

/// A label the model predicts: output channel n (1…) is `labels[n - 1]`.
public struct ModelLabel: Sendable, Codable, Equatable {
    public var value: UInt16
    public var name: String

    public init(value: UInt16, name: String) {
        self.value = value
        self.name = name
    }
}

/// Intensities → [0, 1].
public enum IntensityNormalisation: Sendable, Codable, Equatable {
    /// A fixed window (CT, Hounsfield units).
    case window(low: Float, high: Float)
    /// Percentiles of the volume's own intensities (MRI, where units mean nothing across scans).
    case percentiles(low: Double, high: Double)

    public static let ctDefault = IntensityNormalisation.window(low: -175, high: 250)
    public static let mriDefault = IntensityNormalisation.percentiles(low: 0.5, high: 99.5)
}

public struct ModelConfig: Sendable, Codable, Equatable {
    public var kind: ModelKind
    /// BasicUNet's six feature counts.
    public var features: [Int]
    /// DeepEdit and automatic: every label; DeepGrow: none (it predicts the clicked structure).
    public var labels: [ModelLabel]
    /// Voxel size of the model's grid (RAS); nil keeps the image's own spacing on that axis.
    public var spacingMM: [Double?]
    /// Training crop in model voxels (i, j, k), and the crop or sliding window at inference; 1 along k for 2D.
    /// Multiples of 16. Automatic and DeepEdit crops span a whole axial section (96 × 3 mm), so that instance
    /// norm sees the same mix of body and air in training as over the whole volume at inference.
    public var patch: [Int]
    /// Another sliding window for automatic and DeepEdit inference (nil: the patch). A window unlike the
    /// training crops shifts the instance-norm statistics: keep nil unless the model was trained so.
    public var window: [Int]?
    public var intensity: IntensityNormalisation
    /// Standard deviation of the click guidance, in model voxels.
    public var guidanceSigma: Double
    public var dropout: Float
    /// A second map per positive click channel: how well each voxel is connected to those clicks through tissue
    /// like theirs (`Guidance.connectivity`). Not for background clicks: a negative click often sits in tissue
    /// like the structure's, where the model leaked, and its map would cover the structure too. Off (nil) for
    /// weights from MONAI, which has Gaussian maps only.
    public var clickConnectivity: Bool?

    public init(kind: ModelKind, features: [Int], labels: [ModelLabel], spacingMM: [Double?], patch: [Int], window: [Int]? = nil,
                intensity: IntensityNormalisation, guidanceSigma: Double, dropout: Float = 0, clickConnectivity: Bool? = nil) {
        self.kind = kind
        self.features = features
        self.labels = labels
        self.spacingMM = spacingMM
        self.patch = patch
        self.window = window
        self.intensity = intensity
        self.guidanceSigma = guidanceSigma
        self.dropout = dropout
        self.clickConnectivity = clickConnectivity
    }

    /// Image channel, guidance channels and any connectivity maps.
    public var inChannels: Int {
        switch kind {
        case .deepgrow2d, .deepgrow3d: 3 + connectivityMaps
        case .deepedit: 1 + labels.count + 1 + labels.count * connectivityMaps
        case .auto: 1
        }
    }

    /// Connectivity maps per positive click channel.
    var connectivityMaps: Int { clickConnectivity == true ? 1 : 0 }

    /// Background plus each label (DeepGrow: background and the clicked structure).
    public var outChannels: Int { kind.isDeepGrow ? 2 : labels.count + 1 }

    /// Defaults sized for a CPU with a few cores: small widths, a few millimetres per voxel.
    public static func defaults(_ kind: ModelKind, labels: [ModelLabel], modality: String) -> ModelConfig {
        let intensity: IntensityNormalisation = modality.uppercased() == "CT" ? .ctDefault : .mriDefault
        switch kind {
        case .deepgrow2d:
            // 256 × 256 mm of the clicked slice: a liver's largest section fits.
            return ModelConfig(kind: kind, features: [16, 16, 32, 64, 128, 16], labels: [], spacingMM: [2, 2, nil],
                               patch: [128, 128, 1], intensity: intensity, guidanceSigma: 2, clickConnectivity: true)
        case .deepgrow3d:
            // 256 × 256 × 128 mm around the clicks on a 4 mm grid: a liver fits, and is few enough voxels that the
            // network outlines most of it (at 3 mm it drew a ball around the click, a third to a half of the liver); the
            // settling cut puts the border back at the image's resolution. Guidance σ 1.5 voxels (6 mm): with 8 mm,
            // a negative click beside a small lesion erased it. The full-resolution decoder is narrow (8): a click
            // on a 128³ region answers in under 2 s on 2 cores, with the same validation Dice as 16.
            return ModelConfig(kind: kind, features: [8, 16, 32, 64, 128, 8], labels: [], spacingMM: [4, 4, 4],
                               patch: [64, 64, 32], intensity: intensity, guidanceSigma: 1.5, clickConnectivity: true)
        case .deepedit:
            // Six classes need the wider full-resolution decoder: with 8 the kidneys were not learnt, and on a later
            // try (clicks in 0.8 of the steps) the lesion was not either, with or without a click. It costs the
            // most of a 128³ pass: about 0.6 s of 1.0 s on 2 cores. No connectivity maps: with them, 15 epochs still
            // learnt nothing from clicks on a structure automatic mode missed.
            return ModelConfig(kind: kind, features: [8, 16, 32, 64, 128, 16], labels: labels, spacingMM: [3, 3, 3],
                               patch: [96, 96, 32], intensity: intensity, guidanceSigma: 3)
        case .auto:
            return ModelConfig(kind: kind, features: [8, 16, 32, 64, 128, 16], labels: labels, spacingMM: [3, 3, 3],
                               patch: [96, 96, 32], intensity: intensity, guidanceSigma: 0)
        }
    }

    /// A click model for images of any kind (trained on synthetic studies): per-image intensity normalisation, so
    /// that one network serves CT and MRI, and a crop of 192 × 192 (× 144) mm on a grid of `gridMM` (3D: 3 mm, fine
    /// enough to draw a lateral ventricle a few voxels wide with a whole brain in the crop; 2D: 2 mm).
    public static func generic(_ kind: ModelKind, gridMM: Double? = nil) -> ModelConfig {
        var config = defaults(kind, labels: [], modality: "other")
        let grid = gridMM ?? (kind == .deepgrow2d ? 2 : 3)
        config.spacingMM = config.spacingMM.map { $0 == nil ? nil : grid }
        func covering(_ mm: Double) -> Int { max(16, Int((mm / grid / 16).rounded(.up)) * 16) }
        config.patch = [covering(192), covering(192), kind == .deepgrow2d ? 1 : covering(144)]
        return config
    }

    /// Why a configuration cannot be used, or nil.
    public var problem: String? {
        // Bounds well past any model that fits a workstation: a configuration from a file must not ask for terabytes.
        if features.count != 6 || features.contains(where: { $0 < 1 || $0 > 4096 }) { return "features must be six numbers from 1 to 4096" }
        let planar = kind.spatialDims == 2
        for (what, size) in [("patch", patch), ("window", window ?? patch)] {
            if size.count != 3 { return "\(what) must have three sizes" }
            for axis in 0..<3 {
                if planar && axis == 2 { if size[2] != 1 { return "a 2D model's \(what) is 1 voxel deep" }; continue }
                if size[axis] < 16 || size[axis] % 16 != 0 || size[axis] > 1024 {
                    return "\(what) sizes must be multiples of 16 up to 1024, got \(size)"
                }
            }
        }
        if spacingMM.count != 3 || spacingMM.contains(where: { !(0.01...100).contains($0 ?? 1) }) {
            return "spacing must be three sizes from 0.01 to 100 mm"
        }
        if !kind.isDeepGrow && labels.isEmpty { return "\(kind.rawValue) needs at least one label" }
        return nil
    }

    /// An upper bound on the memory the network takes to run: its weights (about twenty 3×3×3 convolutions between
    /// the widest layers) and a patch's activations (a few maps of the first layer's width at full size).
    public var estimatedBytes: Int {
        let widest = Double((features + [inChannels, outChannels]).max() ?? 1)
        let taps = kind.spatialDims == 2 ? 9.0 : 27.0
        let weights = 20 * taps * widest * widest
        let patchVoxels = (window ?? patch).map(Double.init).reduce(1, *)
        let activations = patchVoxels * Double(features.first ?? 1) * 6
        return Int(min((weights + activations) * 4, Double(Int.max / 2)))
    }

    static let metadataKey = "termlabel.config"

    func metadata() -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return [ModelConfig.metadataKey: String(decoding: try! encoder.encode(self), as: UTF8.self)]
    }
}
