// A heuristic plan for training and inference on this machine, from a fingerprint of the dataset (spacings,
// extents, intensities, structure sizes) and of the machine (cores, free memory, a time budget). Each choice
// carries the one-line reason for it, and the memory a model will take is estimated before it is chosen, so a
// plan never asks for more than the machine has free.

import Foundation

public struct DatasetFingerprint: Sendable, Codable, Equatable {
    public var studies: Int
    public var labeledStudies: Int
    /// Median voxel size (mm) and median extent (mm) along the RAS axes.
    public var medianSpacingMM: [Double]
    public var medianExtentMM: [Double]
    /// Largest volume in voxels (for inference memory on the image grid).
    public var largestVoxelCount: Int
    public var modality: String
    /// 0.5th and 99.5th intensity percentiles inside the body, over the sampled volumes.
    public var bodyPercentiles: [Double]
    /// The labels the models learn (those the folder names, else the values seen in the final labels), and the
    /// smallest structure's median volume in mm³.
    public var labelCount: Int
    public var smallestStructureMM3: Double?

    public init(studies: Int, labeledStudies: Int, medianSpacingMM: [Double], medianExtentMM: [Double], largestVoxelCount: Int,
                modality: String, bodyPercentiles: [Double], labelCount: Int, smallestStructureMM3: Double?) {
        self.studies = studies
        self.labeledStudies = labeledStudies
        self.medianSpacingMM = medianSpacingMM
        self.medianExtentMM = medianExtentMM
        self.largestVoxelCount = largestVoxelCount
        self.modality = modality
        self.bodyPercentiles = bodyPercentiles
        self.labelCount = labelCount
        self.smallestStructureMM3 = smallestStructureMM3
    }
}

public struct MachineProfile: Sendable, Codable, Equatable {
    public var cores: Int
    public var freeMemoryBytes: Int
    /// Wall-clock seconds one training run may take.
    public var budgetSeconds: Double

    public init(cores: Int, freeMemoryBytes: Int, budgetSeconds: Double) {
        self.cores = cores
        self.freeMemoryBytes = freeMemoryBytes
        self.budgetSeconds = budgetSeconds
    }

    /// This machine: its cores and MemAvailable from /proc/meminfo (Linux), with a budget.
    public static func current(budgetSeconds: Double) -> MachineProfile {
        var free = Int(ProcessInfo.processInfo.physicalMemory / 2)
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kb = line.split(separator: " ").compactMap({ Int($0) }).first {
            free = kb * 1024
        }
        return MachineProfile(cores: ProcessInfo.processInfo.activeProcessorCount, freeMemoryBytes: free, budgetSeconds: budgetSeconds)
    }
}

public struct ModelPlan: Sendable, Codable, Equatable {
    public var config: ModelConfig
    public var epochs: Int
    public var stepsPerEpoch: Int
    public var batch: Int
    public var overlap: Double
    public var trainingBytes: Int
    public var inferenceBytes: Int
    /// One line per choice.
    public var reasons: [String]
}

public struct Plan: Sendable, Codable, Equatable {
    public var fingerprint: DatasetFingerprint
    public var machine: MachineProfile
    public var models: [ModelPlan]

    public func model(_ kind: ModelKind) -> ModelPlan? { models.first { $0.config.kind == kind } }
}

public enum Planner {
    /// Conv FLOPs of one BasicUNet forward pass per input voxel (3×3(×3) kernels, as the engine counts them).
    static func flopsPerVoxel(_ f: [Int], inChannels: Int, outChannels: Int, dims: Int) -> Double {
        let k = dims == 3 ? 27.0 : 9.0, down = dims == 3 ? 8.0 : 4.0
        func two(_ a: Int, _ b: Int) -> Double { 2 * k * Double(a * b + b * b) }
        var total = two(inChannels, f[0])
        for level in 1...4 { total += two(f[level - 1], f[level]) / pow(down, Double(level)) }
        // Up path: upcat_4…upcat_2 halve the upsampled channels; upcat_1 does not.
        for level in stride(from: 4, through: 2, by: -1) {
            total += two(f[level] / 2 + f[level - 1], f[level - 1]) / pow(down, Double(level - 1))
        }
        total += two(f[1] + f[0], f[5]) + 2 * Double(f[5] * outChannels)
        return total
    }

    /// Bytes a training step keeps alive per input voxel (forward activations kept for backward, their gradients
    /// as backward walks back, and the step's scratch), for batch 1. About 13 Float32 values per channel at full
    /// resolution; the factor was measured on this engine (peak resident memory of training steps of several sizes).
    static func trainingBytesPerVoxel(_ f: [Int], inChannels: Int, outChannels: Int, dims: Int) -> Double {
        let down = dims == 3 ? 8.0 : 4.0
        var channels = Double(inChannels + 8 * f[0] + 2 * f[1] + 8 * f[5] + 6 * outChannels)
        for level in 1...4 { channels += Double(10 * f[level] + (level < 4 ? 2 * f[level + 1] : 0)) / pow(down, Double(level)) }
        return channels * 4 * 1.6
    }

    /// Engine throughput assumed for small-channel training on one core (conv FLOPs per second, counting forward
    /// and twice that for backward), by spatial dimensions. Measured with `termlabel train --epochs 2 --steps 20` on
    /// 2 cores, validation included: the default 3D models train at about 44 GFLOP/s (Winograd convolutions), the 2D
    /// model, whose convs are direct, at about 18.
    static func flopsPerCoreSecond(dims: Int) -> Double { dims == 3 ? 22e9 : 9e9 }

    /// The process without the step: code, the study list, the prepared studies.
    static let baseBytes = 150e6

    public static func plan(_ data: DatasetFingerprint, machine: MachineProfile) -> Plan {
        let ct = data.modality.uppercased() == "CT"
        let normalisation: IntensityNormalisation = ct ? .ctDefault : .mriDefault
        let labels = (1...max(data.labelCount, 1)).map { ModelLabel(value: UInt16($0), name: "label \($0)") }
        // Half of the free memory for one model's training, leaving room for the app and another process.
        let memoryCap = Double(machine.freeMemoryBytes) / 2
        var models: [ModelPlan] = []
        for kind in [ModelKind.auto, .deepedit, .deepgrow3d, .deepgrow2d] {
            var reasons: [String] = []
            var config = ModelConfig.defaults(kind, labels: kind.isDeepGrow ? [] : labels, modality: data.modality)
            config.intensity = normalisation
            reasons.append(ct ? "intensities: CT window −175…250 HU (the modality looks like CT)"
                              : String(format: "intensities: each volume's 0.5–99.5th percentiles (here about %.0f…%.0f; not CT)",
                                       data.bodyPercentiles.first ?? 0, data.bodyPercentiles.last ?? 0))
            let dims = kind.spatialDims
            // Spacing: no finer than the data; coarse enough that a whole axial section fits a 96-voxel patch
            // (automatic, DeepEdit) or the organ-sized crop of DeepGrow (its defaults' spacing), so every step sees
            // whole structures.
            let finest = data.medianSpacingMM.prefix(2).min() ?? 1
            let section = max(data.medianExtentMM[0], data.medianExtentMM[1])
            var spacing = kind.isDeepGrow ? max(finest, config.spacingMM[0] ?? finest) : max(finest, section / 96)
            spacing = (spacing * 4).rounded(.up) / 4
            if let smallest = data.smallestStructureMM3, pow(smallest, 1 / 3.0) < 4 * spacing {
                reasons.append(String(format: "note: the smallest structure (%.0f mm³) is under 4 voxels across at %.2f mm", smallest, spacing))
            }
            config.spacingMM = dims == 2 ? [spacing, spacing, nil] : [spacing, spacing, spacing]
            reasons.append(kind.isDeepGrow
                ? String(format: "spacing %.2f mm: the crop around the clicks spans %.0f mm, an organ's size", spacing, spacing * Double(config.patch[0]))
                : String(format: "spacing %.2f mm: a median section of %.0f mm fits one 96-voxel patch", spacing, section))
            // Patch: the section in-plane (multiples of 16), 32 slices deep; DeepGrow's fixed organ-sized crop.
            if !kind.isDeepGrow {
                let side = min(128, max(32, Int((section / spacing / 16).rounded(.up)) * 16))
                config.patch = [side, side, min(32, max(16, Int((data.medianExtentMM[2] / spacing / 16).rounded(.up)) * 16))]
            }
            // Shrink while one step would not fit half the free memory: fewer slices, then a smaller section,
            // then half the width.
            var bytes = 0.0
            let batch = dims == 2 ? 4 : 1
            while true {
                let voxels = Double(config.patch.reduce(1, *) * batch)
                bytes = voxels * trainingBytesPerVoxel(config.features, inChannels: config.inChannels, outChannels: config.outChannels, dims: dims)
                    + baseBytes
                if bytes <= memoryCap { break }
                if dims == 3 && config.patch[2] > 16 {
                    config.patch[2] -= 16
                } else if config.patch[0] > 32 {
                    config.patch[0] -= 16
                    config.patch[1] -= 16
                } else if config.features[0] > 2 {
                    config.features = config.features.map { max(2, $0 / 2) }
                } else {
                    reasons.append("warning: even the smallest network does not fit half the free memory")
                    break
                }
            }
            reasons.append("patch \(config.patch.map(String.init).joined(separator: "×")), features \(config.features.map(String.init).joined(separator: ",")), batch \(batch): "
                           + String(format: "a training step needs about %.0f MB of the %.0f MB free", bytes / 1e6, Double(machine.freeMemoryBytes) / 1e6))
            // Epochs: as many 20-step epochs as the budget allows (forward + backward ≈ 3 forward passes), each
            // followed by DeepGrow's validation: an answer to each of the robot's clicks on every validation structure,
            // a forward pass of one crop each (the cut that settles it is small beside it).
            let stepFlops = 3 * Double(config.patch.reduce(1, *) * batch)
                * flopsPerVoxel(config.features, inChannels: config.inChannels, outChannels: config.outChannels, dims: dims)
            let stepSeconds = stepFlops / (flopsPerCoreSecond(dims: dims) * Double(max(machine.cores, 1))) * (kind.isDeepGrow ? 1.5 : 1.2)
            let validationSeconds = kind.isDeepGrow ? Double(Planner.validationAnswers(data)) * stepSeconds / Double(3 * batch) : 0
            let epochs = max(2, min(100, Int(machine.budgetSeconds / (stepSeconds * 20 + validationSeconds))))
            reasons.append(String(format: "%d epochs of 20 steps: about %.1f s a step on %d cores", epochs, stepSeconds, machine.cores)
                           + (kind.isDeepGrow ? String(format: " and %.0f s of validation after each", validationSeconds) : "")
                           + String(format: " fit a %.0f-minute budget", machine.budgetSeconds / 60))
            // Inference: the volume on the image grid (probabilities, labels) and on the model grid.
            let inference = Double(data.largestVoxelCount) * 14 + Double(config.patch.reduce(1, *)) * 4 * 40 + 200e6
            let overlap = kind.isDeepGrow ? 0 : 0.25
            if !kind.isDeepGrow {
                reasons.append(String(format: "sliding window overlap %.2f; inference needs about %.0f MB for the largest volume", overlap, inference / 1e6))
            }
            models.append(ModelPlan(config: config, epochs: epochs, stepsPerEpoch: 20, batch: batch, overlap: overlap,
                                    trainingBytes: Int(bytes), inferenceBytes: Int(inference), reasons: reasons))
        }
        return Plan(fingerprint: data, machine: machine, models: models)
    }

    /// DeepGrow's answers in one validation: the robot's clicks on each structure of the validation studies (a fifth
    /// of the labeled ones, at least one).
    static func validationAnswers(_ data: DatasetFingerprint) -> Int {
        let options = TrainingOptions()
        return max(options.heldOut(of: data.labeledStudies), 1) * max(data.labelCount, 1) * options.validationClicks
    }
}
