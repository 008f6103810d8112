// The direct 3×3(×3) convolution, both of its vector loops (AVX2 with blocks of 4 channels, AVX-512 with 8 where the
// CPU has it), whole or a slab of planes at a time, forward and flipped for dX, and the Winograd convolution of
// inference, against a plain Double loop, on sizes that leave partial blocks.

@testable import Engine
import XCTest

final class DirectConvTests: XCTestCase {
    /// (depth, height, width) and kernel depth: wide rows; narrow planes, where both loops run across rows; a
    /// single plane; and planes longer than one 512-position chunk of the weight gradient. With 11 output channels,
    /// the last block is partial.
    static let shapes: [([Int], Int)] = [([5, 6, 37], 3), ([4, 7, 5], 3), ([1, 9, 13], 1), ([3, 40, 45], 3)]

    func reference(_ x: Tensor, _ w: Tensor, kd: Int) -> [Double] {
        let (cin, cout) = (x.channels, w.shape[0])
        let (d, h, wd) = (x.shape[2], x.shape[3], x.shape[4])
        var y = [Double](repeating: 0, count: cout * d * h * wd)
        let pad = kd == 3 ? 1 : 0
        for o in 0..<cout { for i in 0..<cin { for z in 0..<d { for r in 0..<h { for c in 0..<wd {
            var total = 0.0
            for a in 0..<kd { for b in 0..<3 { for e in 0..<3 {
                let (iz, iy, ix) = (z + a - pad, r + b - 1, c + e - 1)
                guard iz >= 0, iz < d, iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                total += Double(w.data[((o * cin + i) * kd * 9) + (a * 3 + b) * 3 + e]) * Double(x.data[((i * d + iz) * h + iy) * wd + ix])
            } } }
            y[((o * d + z) * h + r) * wd + c] += total
        } } } } }
        return y
    }

    func testBothVectorLoopsMatchAPlainLoop() throws {
        try XCTSkipUnless(DirectConv.available, "this CPU has no AVX2 + FMA: the engine uses im2col + sgemm")
        let sizes = DirectConv.blockSize == 8 ? [4, 8] : [4]
        for (spatial, kd) in DirectConvTests.shapes {
            let (cin, cout) = (3, 11)
            let x = Tensor.randomNormal([1, cin] + spatial, seed: 1)
            let w = Tensor.randomNormal([cout, cin, kd, 3, 3], seed: 2)
            let expected = reference(x, w, kd: kd)
            for (size, slab) in sizes.flatMap({ size in [(size, Int.max), (size, 2)] }) {
                var y = [Float](repeating: .nan, count: expected.count)
                let packed = w.data.withUnsafeBufferPointer {
                    DirectConv.repack($0.baseAddress!, cout: cout, cin: cin, kernelVolume: kd * 9, flipped: false, blockSize: size)
                }
                x.data.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        DirectConv.run(xp.baseAddress!, ins: cin, outs: cout, shape: spatial, kd: kd, packed: packed, into: yp.baseAddress!,
                                       blockSize: size, maximumSlab: slab)
                    }
                }
                let worst = zip(y, expected).map { abs(Double($0) - $1) }.max()!
                XCTAssertLessThan(worst, 1e-4, "blocks of \(size), slabs of \(slab) planes, \(spatial)")

                // Flipped: the conv of dY with the weights transposed and reversed is dX.
                let dy = Tensor.randomNormal([1, cout] + spatial, seed: 3)
                var dx = [Float](repeating: .nan, count: x.count)
                let flipped = w.data.withUnsafeBufferPointer {
                    DirectConv.repack($0.baseAddress!, cout: cout, cin: cin, kernelVolume: kd * 9, flipped: true, blockSize: size)
                }
                dy.data.withUnsafeBufferPointer { gp in
                    dx.withUnsafeMutableBufferPointer { xp in
                        DirectConv.run(gp.baseAddress!, ins: cout, outs: cin, shape: spatial, kd: kd, packed: flipped, into: xp.baseAddress!,
                                       blockSize: size)
                    }
                }
                // ⟨conv(x), dy⟩ = ⟨x, dX⟩ for every x: check it with x itself.
                let left = zip(expected, dy.data).reduce(0.0) { $0 + $1.0 * Double($1.1) }
                let right = zip(x.data, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                XCTAssertEqual(left, right, accuracy: 1e-3 * max(1, abs(left)), "adjoint, blocks of \(size), \(spatial)")
            }
        }
    }

    /// Winograd's F(2, 3) for inference: rows of one and a half, two, and one full and one half vector of 2×2 blocks
    /// (34, 64 and 48 wide), whole and two planes at a time, with 11 output channels (the transformed weights pad
    /// them to 16) and with 20 input channels, where its sums run longest.
    func testWinogradMatchesAPlainLoop() throws {
        try XCTSkipUnless(DirectConv.available, "this CPU has no AVX2 + FMA: the engine uses im2col + sgemm")
        for (spatial, cin) in [([4, 6, 34], 3), ([6, 8, 64], 3), ([2, 4, 48], 20)] {
            let cout = 11
            XCTAssertTrue(WinogradConv.applies(ConvGeometry(image: spatial, kernel: [3, 3, 3], options: ConvOptions(padding: 1))))
            let x = Tensor.randomNormal([1, cin] + spatial, seed: 6)
            let w = Tensor.randomNormal([cout, cin, 3, 3, 3], seed: 7)
            let expected = reference(x, w, kd: 3)
            let transformed = w.data.withUnsafeBufferPointer { WinogradConv.transform($0.baseAddress!, cout: cout, cin: cin) }
            for slab in [Int.max, 2] {
                var y = [Float](repeating: .nan, count: expected.count)
                x.data.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        WinogradConv.run(xp.baseAddress!, ins: cin, outs: cout, shape: spatial, transformed: transformed, into: yp.baseAddress!,
                                         maximumSlab: slab)
                    }
                }
                let worst = zip(y, expected).map { abs(Double($0) - $1) }.max()!
                XCTAssertLessThan(worst, 1e-4, "slabs of \(slab) planes, \(spatial), \(cin) input channels")
            }
        }
        // Odd sizes and narrow rows stay with the direct loop.
        for spatial in [[5, 6, 34], [4, 6, 16]] {
            XCTAssertFalse(WinogradConv.applies(ConvGeometry(image: spatial, kernel: [3, 3, 3], options: ConvOptions(padding: 1))))
        }
    }

    /// Winograd's dX: ⟨conv(x), dY⟩ = ⟨x, dX⟩, and a recorded conv's gradient with respect to its input satisfies it too.
    func testWinogradInputGradientIsTheAdjoint() throws {
        try XCTSkipUnless(DirectConv.available, "this CPU has no AVX2 + FMA: the engine uses im2col + sgemm")
        let (spatial, cin, cout) = ([4, 10, 32], 5, 9)
        let x = Tensor.randomNormal([1, cin] + spatial, seed: 8)
        let w = Tensor.randomNormal([cout, cin, 3, 3, 3], seed: 9)
        let dy = Tensor.randomNormal([1, cout] + spatial, seed: 10)
        let flipped = w.data.withUnsafeBufferPointer { WinogradConv.transform(flipping: $0.baseAddress!, cout: cout, cin: cin) }
        var dx = [Float](repeating: .nan, count: x.count)
        dy.data.withUnsafeBufferPointer { gp in
            dx.withUnsafeMutableBufferPointer { xp in
                WinogradConv.run(gp.baseAddress!, ins: cout, outs: cin, shape: spatial, transformed: flipped, into: xp.baseAddress!)
            }
        }
        let left = zip(reference(x, w, kd: 3), dy.data).reduce(0.0) { $0 + $1.0 * Double($1.1) }
        let right = zip(x.data, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)))

        let tape = Tape(recording: true)
        let input = Variable(x, requiresGrad: true)
        let y = tape.conv(input, weight: Variable(w, requiresGrad: true), bias: nil, options: ConvOptions(padding: 1))
        tape.backward(tape.sum(tape.mul(y, Variable(dy))))
        let recorded = zip(x.data, input.grad!.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(left, recorded, accuracy: 1e-4 * max(1, abs(left)))
    }

    func testTheWeightGradientMatchesAPlainLoop() throws {
        try XCTSkipUnless(DirectConv.computesWeightGradient, "this CPU has no AVX-512: dW goes through im2col + sgemm")
        for (spatial, kd) in DirectConvTests.shapes {
            let (cin, cout) = (3, 11)
            let x = Tensor.randomNormal([1, cin] + spatial, seed: 4)
            let dy = Tensor.randomNormal([1, cout] + spatial, seed: 5)
            let (d, h, w) = (spatial[0], spatial[1], spatial[2])
            let pad = kd == 3 ? 1 : 0
            var expected = [Double](repeating: 0, count: cout * cin * kd * 9)
            for o in 0..<cout { for i in 0..<cin { for a in 0..<kd { for b in 0..<3 { for e in 0..<3 {
                var total = 0.0
                for z in 0..<d { for r in 0..<h { for c in 0..<w {
                    let (iz, iy, ix) = (z + a - pad, r + b - 1, c + e - 1)
                    guard iz >= 0, iz < d, iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                    total += Double(dy.data[((o * d + z) * h + r) * w + c]) * Double(x.data[((i * d + iz) * h + iy) * w + ix])
                } } }
                expected[(o * cin + i) * kd * 9 + (a * 3 + b) * 3 + e] = total
            } } } } }
            for slab in [Int.max, 2] {
                // Added to what is there, as gradients are.
                var dw = [Float](repeating: 1, count: expected.count)
                x.data.withUnsafeBufferPointer { xp in
                    dy.data.withUnsafeBufferPointer { gp in
                        dw.withUnsafeMutableBufferPointer { wp in
                            DirectConv.addWeightGradient(xp.baseAddress!, gp.baseAddress!, ins: cin, outs: cout, shape: spatial, kd: kd,
                                                         into: wp.baseAddress!, maximumSlab: slab)
                        }
                    }
                }
                let worst = zip(dw, expected).map { abs(Double($0) - 1 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-3, "slabs of \(slab) planes, \(spatial)")
            }
        }
    }
}
