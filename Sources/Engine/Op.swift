// The closed list of differentiable ops. Each has its forward and backward side by side in `Tape+*.swift`, and
// a gradient check in EngineTesting's `GradientCheck.cases`, which a test requires for every case here.

public enum Op: String, CaseIterable, Sendable {
    case conv, convTranspose
    case add, sub, mul, div, affine
    case relu, leakyRelu, prelu, sigmoid
    case instanceNorm, batchNorm
    case maxPool, upsampleNearest, upsampleTrilinear, padEnd
    case concat, split
    case softmax, logSoftmax
    case sum, mean, sumSpatial
    case dropout
}
