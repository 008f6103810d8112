import Randomness
// MONAI's BasicUNet, block for block, with its state-dict names: a two-conv stem, four max-pool + two-conv
// encoders, four up-sample (transposed conv) + concatenate + two-conv decoders, and a 1×1 conv. Each conv is
// followed by instance norm (affine), dropout and LeakyReLU(0.1), as MONAI's Convolution block orders them.

/// conv → instance norm → dropout → LeakyReLU, named `<name>.conv` and `<name>.adn.N`.
struct ConvBlock: Layer {
    var conv: Conv
    var norm: InstanceNorm
    var dropout: Float

    init(_ name: String, spatialDims: Int, inChannels: Int, outChannels: Int, dropout: Float, seed: inout SplitMix) {
        conv = Conv(name + ".conv", spatialDims: spatialDims, inChannels: inChannels, outChannels: outChannels, kernel: 3,
                    options: ConvOptions(padding: 1), seed: &seed)
        norm = InstanceNorm(name + ".adn.N", channels: outChannels)
        self.dropout = dropout
    }

    var parameters: [Parameter] { conv.parameters + norm.parameters }

    func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable {
        if !tape.recording {
            // Inference (MC dropout included): norm, dropout and activation over the conv's own output. The conv's
            // bias is left out: the instance norm takes each channel's mean away, so a constant per channel cannot
            // change its output, and adding it is a pass over the whole activation.
            let convolved = tape.conv(x, weight: conv.weight.variable, bias: nil, options: conv.options)
            return tape.instanceNormLeakyReluInPlace(convolved, weight: norm.weight.variable, bias: norm.bias.variable, dropout: dropout,
                                                     slope: 0.1)
        }
        return tape.leakyRelu(tape.dropout(norm(tape, conv(tape, x)), p: dropout), slope: 0.1)
    }
}

struct TwoConv: Layer {
    var first: ConvBlock, second: ConvBlock

    init(_ name: String, spatialDims: Int, inChannels: Int, outChannels: Int, dropout: Float, seed: inout SplitMix) {
        first = ConvBlock(name + ".conv_0", spatialDims: spatialDims, inChannels: inChannels, outChannels: outChannels, dropout: dropout, seed: &seed)
        second = ConvBlock(name + ".conv_1", spatialDims: spatialDims, inChannels: outChannels, outChannels: outChannels, dropout: dropout, seed: &seed)
    }

    var parameters: [Parameter] { first.parameters + second.parameters }

    func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable { second(tape, first(tape, x)) }
}

struct UpCat: Layer {
    var upsample: ConvTranspose
    var convs: TwoConv

    init(_ name: String, spatialDims: Int, inChannels: Int, catChannels: Int, outChannels: Int, halves: Bool, dropout: Float, seed: inout SplitMix) {
        let up = halves ? inChannels / 2 : inChannels
        upsample = ConvTranspose(name + ".upsample.deconv", spatialDims: spatialDims, inChannels: inChannels, outChannels: up, kernel: 2, seed: &seed)
        convs = TwoConv(name + ".convs", spatialDims: spatialDims, inChannels: catChannels + up, outChannels: outChannels, dropout: dropout, seed: &seed)
    }

    var parameters: [Parameter] { upsample.parameters + convs.parameters }

    func callAsFunction(_ tape: Tape, _ x: Variable, _ encoder: Variable) -> Variable {
        // After an odd size was pooled, the up-sampled map is one voxel short: MONAI pads it by repeating its end.
        let up = tape.padEnd(upsample(tape, x), to: encoder.value.spatialShape)
        return convs(tape, tape.concat([encoder, up]))
    }
}

public final class BasicUNet: Layer {
    public let spatialDims: Int
    public let inChannels: Int
    public let outChannels: Int
    public let features: [Int]
    /// Dropout after every norm: 0 for plain training; kept on at inference for MC dropout.
    public var dropout: Float {
        didSet { rebuildDropout() }
    }
    var stem: TwoConv
    var down: [TwoConv]
    var up: [UpCat]
    var final: Conv

    public init(spatialDims: Int, inChannels: Int, outChannels: Int, features: [Int] = [32, 32, 64, 128, 256, 32], dropout: Float = 0,
                seed: UInt64 = 0) {
        precondition(features.count == 6, "BasicUNet takes six feature counts")
        var generator = SplitMix(seed: seed)
        self.spatialDims = spatialDims
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.features = features
        self.dropout = dropout
        let f = features
        stem = TwoConv("conv_0", spatialDims: spatialDims, inChannels: inChannels, outChannels: f[0], dropout: dropout, seed: &generator)
        down = (1...4).map { level in
            TwoConv("down_\(level).convs", spatialDims: spatialDims, inChannels: f[level - 1], outChannels: f[level], dropout: dropout, seed: &generator)
        }
        up = [
            UpCat("upcat_4", spatialDims: spatialDims, inChannels: f[4], catChannels: f[3], outChannels: f[3], halves: true, dropout: dropout, seed: &generator),
            UpCat("upcat_3", spatialDims: spatialDims, inChannels: f[3], catChannels: f[2], outChannels: f[2], halves: true, dropout: dropout, seed: &generator),
            UpCat("upcat_2", spatialDims: spatialDims, inChannels: f[2], catChannels: f[1], outChannels: f[1], halves: true, dropout: dropout, seed: &generator),
            UpCat("upcat_1", spatialDims: spatialDims, inChannels: f[1], catChannels: f[0], outChannels: f[5], halves: false, dropout: dropout, seed: &generator),
        ]
        final = Conv("final_conv", spatialDims: spatialDims, inChannels: f[5], outChannels: outChannels, kernel: 1, seed: &generator)
    }

    private func rebuildDropout() {
        func set(_ two: inout TwoConv) { two.first.dropout = dropout; two.second.dropout = dropout }
        set(&stem)
        for n in down.indices { set(&down[n]) }
        for n in up.indices { set(&up[n].convs) }
    }

    /// In MONAI's state-dict order.
    public var parameters: [Parameter] {
        stem.parameters + down.flatMap(\.parameters) + up.flatMap(\.parameters) + final.parameters
    }

    /// Logits, N×outChannels×(same spatial size as x); sizes not divisible by 16 are padded inside as MONAI does.
    public func callAsFunction(_ tape: Tape, _ x: Variable) -> Variable {
        let x0 = stem(tape, x)
        let x1 = down[0](tape, tape.maxPool(x0))
        let x2 = down[1](tape, tape.maxPool(x1))
        let x3 = down[2](tape, tape.maxPool(x2))
        let x4 = down[3](tape, tape.maxPool(x3))
        let u4 = up[0](tape, x4, x3)
        let u3 = up[1](tape, u4, x2)
        let u2 = up[2](tape, u3, x1)
        let u1 = up[3](tape, u2, x0)
        return final(tape, u1)
    }
}
