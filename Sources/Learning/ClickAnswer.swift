// A click model's answer to clicks, whatever its kind: the one place that knows that DeepGrow grows one label and
// DeepEdit edits the clicked ones, and how each keeps the clicks where they were put.

import Segmenters
import Volume

public struct ClickAnswer: Sendable {
    public var labels: LabelVolume
    /// The label values the answer speaks for: DeepGrow's grown label; DeepEdit's clicked labels that it knows (all
    /// of its labels with no click, its automatic mode).
    public var speaksFor: [UInt16]
    /// Where it speaks (nil: everywhere).
    public var region: VoxelBox?
}

extension Inference {
    /// Answers `clicks` with `model`: DeepGrow grows `label` from its positive clicks against the negative ones,
    /// DeepEdit edits the labels that have clicks. With `seeds` (clicks' balls and scribbles), the answer is settled
    /// on the image by a graph cut that keeps the seeds: DeepGrow's with `likelihood`, 3D on the image, 2D on the
    /// first positive click's slice alone; DeepEdit's, trained on the folder, always with its own probability.
    public static func answer(_ model: SegmentationModel, _ prepared: PreparedImage, image: Volume, clicks: ClickSet, label: UInt16,
                              settlingWith seeds: Seeds?, likelihood: SettlingLikelihood,
                              options: GraphCutOptions = GraphCutOptions()) throws -> ClickAnswer {
        let kind = model.config.kind
        let settling = clicks.isEmpty ? nil : seeds
        if kind.isDeepGrow {
            let foreground = clicks.byLabel[label] ?? []
            let grown = if let settling, kind == .deepgrow3d {
                try growSettled(model, prepared, image: image, foreground: foreground, background: clicks.background,
                                seeds: settling.against(label), label: label, likelihood: likelihood, options: options)
            } else if let settling {
                try growSettledOnSlice(model, prepared, image: image, foreground: foreground, background: clicks.background,
                                       seeds: settling.against(label), label: label, likelihood: likelihood, options: options)
            } else {
                try grow(model, prepared, foreground: foreground, background: clicks.background)
            }
            var result = LabelVolume(grid: image.grid)
            for n in grown.mask.indices where grown.mask[n] { result.voxels[n] = label }
            return ClickAnswer(labels: result, speaksFor: [label], region: grown.region)
        }
        let result = if let settling {
            try editSettled(model, prepared, image: image, clicks: clicks, seeds: settling, options: options)
        } else {
            segment(model, prepared, clicks: clicks)
        }
        let known = model.config.labels.map(\.value)
        return ClickAnswer(labels: result, speaksFor: clicks.isEmpty ? known : known.filter { clicks.byLabel[$0] != nil }, region: nil)
    }
}
