// Losses composed from ops (no backward of their own): cross-entropy, soft Dice, and MONAI's DiceCELoss with
// `to_onehot_y=True, softmax=True` (Dice over each sample and class with smoothing 1e-5, plus mean cross-entropy).

extension Tape {
    /// Class indices (N×1×D×H×W, values 0..<classes) as one-hot channels.
    public static func oneHot(_ labels: Tensor, classes: Int) -> Tensor {
        let s = labels.spatialCount
        var out = Tensor(zeros: [labels.batch, classes] + labels.spatialShape)
        for b in 0..<labels.batch {
            for i in 0..<s {
                let c = Int(labels.data[b * s + i])
                precondition(c >= 0 && c < classes, "label \(c) outside 0..<\(classes)")
                out.data[(b * classes + c) * s + i] = 1
            }
        }
        return out
    }

    /// Mean over voxels of −log softmax(logits)[true class]. `target` is one-hot.
    public func crossEntropy(logits: Variable, target: Tensor) -> Variable {
        let voxels = Float(logits.value.batch * logits.value.spatialCount)
        return affine(sum(mul(logSoftmax(logits), Variable(target))), scale: -1 / voxels)
    }

    /// Mean over samples and classes of 1 − (2·Σ p·g + s) / (Σ p + Σ g + s). `target` is one-hot.
    public func softDice(probabilities p: Variable, target: Tensor, smooth: Float = 1e-5) -> Variable {
        let g = Variable(target)
        let intersection = sumSpatial(mul(p, g))
        let denominator = add(sumSpatial(p), sumSpatial(g))
        let ratio = div(affine(intersection, scale: 2, shift: smooth), affine(denominator, scale: 1, shift: smooth))
        return affine(mean(ratio), scale: -1, shift: 1)
    }

    /// MONAI's DiceCELoss(to_onehot_y=True, softmax=True): soft Dice of softmax(logits) + cross-entropy.
    /// `labels` holds class indices, N×1×D×H×W.
    public func diceCE(logits: Variable, labels: Tensor) -> Variable {
        let target = Tape.oneHot(labels, classes: logits.value.channels)
        return add(softDice(probabilities: softmax(logits), target: target), crossEntropy(logits: logits, target: target))
    }
}
