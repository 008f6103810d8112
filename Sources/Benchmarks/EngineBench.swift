// `termlabel bench engine`: MONAI's BasicUNet (16, 32, 64, 128, 256, 16), 3 → 2 channels, on the engine: 3D and 2D
// inference, one 3D training step, 10 MC-dropout passes, and the machine's own sgemm on a conv-shaped product;
// next to PyTorch + MONAI doing the same on the same threads when a python with both is given.

import ArgumentParser
import CommandOptions
import Engine
import Foundation

struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time BasicUNet inference, training and MC dropout on the engine, next to PyTorch when installed."
    )

    static let names = ["basicunet3d_fwd_96", "basicunet3d_fwd_128", "basicunet3d_train_96", "basicunet2d_fwd_256",
                        "basicunet2d_fwd_512", "mcdropout10_96", "sgemm_conv_shape"]

    @Option(help: "Runs per figure (the median is reported).")
    var repeats = 3

    @Option(help: "Only these figures (comma-separated names).")
    var only: String?

    @Option(help: "A python with torch and monai for the side-by-side figures (e.g. a virtualenv's bin/python).")
    var python = ProcessInfo.processInfo.environment["TERMLABEL_PYTHON"] ?? "python3"

    @Flag(help: "Skip the PyTorch side.")
    var noPeer = false

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        if let only, let unknown = only.split(separator: ",").first(where: { !EngineBench.names.contains(String($0)) }) {
            throw ValidationError("no figure \(unknown); figures: \(EngineBench.names.joined(separator: ", "))")
        }
    }

    var selected: [String] { only.map { $0.split(separator: ",").map(String.init) } ?? EngineBench.names }

    func run() throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        for name in selected {
            let (seconds, flops, peakMB, cpu) = measure(name)
            // Effective: the FLOPs a direct convolution needs, per second; the Winograd layers execute fewer.
            var fields: [String: Double] = ["seconds": seconds, "effective_gflops": flops / seconds / 1e9, "peak_rss_mb": peakMB,
                                            "cpu_per_second": cpu]
            if !noPeer, let theirs = TorchPeer.run(name, python: python, threads: threads, repeats: repeats) {
                fields["pytorch_seconds"] = theirs.seconds
                fields["pytorch_cpu_per_second"] = theirs.cpu
                fields["ours_over_pytorch"] = seconds / theirs.seconds
            }
            report(name, fields)
        }
        if !noPeer && !json && TorchPeer.run("probe", python: python, threads: threads, repeats: 1) == nil {
            print("PyTorch + MONAI: not importable by \(python) (--python PATH), no side-by-side figures")
        }
    }

    func report(_ name: String, _ fields: [String: Double]) { printFigure(name, fields, json: json) }

    /// Median seconds, direct-convolution FLOPs of one run, the peak resident MB during the runs, and the CPU
    /// seconds used per second of the runs (about the core count when every core works; a side that gets less was
    /// crowded out, and its figure says little). Inputs and networks are made before the clock starts.
    func measure(_ name: String) -> (Double, Double, Double, Double) {
        let baseline = ProcessMemory.startPeak()
        var times: [Double] = []
        var flops = 0.0, cpu = 0.0
        for run in 0..<repeats {
            let work = prepare(name, seed: UInt64(run))
            let (start, cpuStart) = (DispatchTime.now(), ProcessMemory.cpuSeconds())
            flops = work()
            times.append(seconds(since: start))
            cpu += ProcessMemory.cpuSeconds() - cpuStart
        }
        return (median(times), flops, ProcessMemory.peakMB(started: baseline), cpu / max(times.reduce(0, +), 1e-9))
    }

    static func network(dims: Int, dropout: Float = 0) -> BasicUNet {
        BasicUNet(spatialDims: dims, inChannels: 3, outChannels: 2, features: [16, 32, 64, 128, 256, 16], dropout: dropout, seed: 1)
    }

    /// The timed work of a figure, ready to run; it returns its conv FLOPs.
    func prepare(_ name: String, seed: UInt64) -> () -> Double {
        switch name {
        case "basicunet3d_fwd_96", "basicunet3d_fwd_128", "basicunet2d_fwd_256", "basicunet2d_fwd_512":
            let dims = name.hasPrefix("basicunet3d") ? 3 : 2
            let size = Int(name.split(separator: "_").last!)!
            let net = EngineBench.network(dims: dims)
            let x = Variable(Tensor.randomUniform([1, 3] + Array(repeating: size, count: dims), low: -1, high: 1, seed: seed))
            return {
                let tape = Tape(recording: false)
                _ = net(tape, x)
                return tape.convFLOPs
            }
        case "basicunet3d_train_96":
            let net = EngineBench.network(dims: 3)
            let optimizer = Optimizer.adam(net.parameters, learningRate: 1e-4)
            let x = Variable(Tensor.randomUniform([1, 3, 96, 96, 96], low: -1, high: 1, seed: seed))
            var labels = Tensor(zeros: [1, 1, 96, 96, 96])
            for n in 0..<labels.count where n / (96 * 96) > 40 { labels.data[n] = 1 }
            return {
                let tape = Tape(recording: true)
                let loss = tape.diceCE(logits: net(tape, x), labels: labels)
                optimizer.zeroGradients()
                tape.backward(loss)
                optimizer.update()
                return tape.convFLOPs
            }
        case "mcdropout10_96":
            let net = EngineBench.network(dims: 3, dropout: 0.1)
            let x = Variable(Tensor.randomUniform([1, 3, 96, 96, 96], low: -1, high: 1, seed: seed))
            return {
                let voxels = 2 * 96 * 96 * 96
                var sum = [Double](repeating: 0, count: voxels), squares = [Double](repeating: 0, count: voxels)
                var flops = 0.0
                for pass in 0..<10 {
                    let tape = Tape(recording: false, dropoutActive: true, seed: seed &* 1000 &+ UInt64(pass))
                    let p = tape.softmax(net(tape, x)).value.data
                    for n in 0..<voxels {
                        sum[n] += Double(p[n])
                        squares[n] += Double(p[n]) * Double(p[n])
                    }
                    flops += tape.convFLOPs
                }
                // Per-voxel variance over the passes (summed, so the work is not optimised away).
                var variance = 0.0
                for n in 0..<voxels {
                    let mean = sum[n] / 10
                    variance += squares[n] / 10 - mean * mean
                }
                precondition(variance.isFinite)
                return flops
            }
        default:
            let (m, k, n) = (32, 27 * 16, 96 * 96 * 96)
            let a = Tensor.randomUniform([m * k], low: -1, high: 1, seed: 1).data, b = Tensor.randomUniform([k * n], low: -1, high: 1, seed: 2).data
            return {
                let c = Matrix.product(a, b, m: m, n: n, k: k)
                precondition(c.count == m * n)
                return 2 * Double(m) * Double(n) * Double(k)
            }
        }
    }
}

/// The same figure on PyTorch + MONAI, in a python given by the user; nil when it cannot run.
enum TorchPeer {
    static func run(_ name: String, python: String, threads: Int, repeats: Int) -> (seconds: Double, cpu: Double)? {
        let script = """
        import sys, time, statistics, torch
        from monai.networks.nets import BasicUNet
        from monai.losses import DiceCELoss
        name, threads, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        def net(dims, dropout=0.0):
            return BasicUNet(spatial_dims=dims, in_channels=3, out_channels=2, features=(16, 32, 64, 128, 256, 16), dropout=dropout)
        def prepare():
            # The timed work of a figure, ready to run (inputs and networks made before the clock starts).
            if name == "probe":
                return lambda: None
            if name.startswith("basicunet") and "_fwd_" in name:
                dims, size = (3 if name.startswith("basicunet3d") else 2), int(name.split("_")[-1])
                model, x = net(dims).eval(), torch.rand((1, 3) + (size,) * dims) * 2 - 1
                def run():
                    with torch.no_grad():
                        model(x)
                return run
            if name == "basicunet3d_train_96":
                model = net(3).train()
                optimizer = torch.optim.Adam(model.parameters(), 1e-4)
                x = torch.rand(1, 3, 96, 96, 96) * 2 - 1
                labels = torch.zeros(1, 1, 96, 96, 96); labels[:, :, 41:] = 1
                loss_function = DiceCELoss(to_onehot_y=True, softmax=True)
                def run():
                    loss = loss_function(model(x), labels)
                    optimizer.zero_grad(); loss.backward(); optimizer.step()
                return run
            if name == "mcdropout10_96":
                model, x = net(3, 0.1).train(), torch.rand(1, 3, 96, 96, 96) * 2 - 1
                def run():
                    with torch.no_grad():
                        p = torch.stack([torch.softmax(model(x), 1) for _ in range(10)])
                        p.var(0, unbiased=False).sum()
                return run
            a, b = torch.rand(32, 27 * 16), torch.rand(27 * 16, 96 ** 3)
            return lambda: torch.mm(a, b)
        times, cpu = [], 0.0
        for _ in range(repeats):
            run = prepare()
            t, c = time.perf_counter(), time.process_time()
            run()
            times.append(time.perf_counter() - t); cpu += time.process_time() - c
        print(statistics.median(times), cpu / max(sum(times), 1e-9))
        """
        guard let out = runPython(script, arguments: [name, String(threads), String(repeats)], python: python) else { return nil }
        // MONAI prints a line of its own when it builds the network: the figures are the last line.
        guard let numbers = out.split(separator: "\n").last?.split(separator: " ").compactMap({ Double($0) }), numbers.count == 2
        else { return nil }
        return (numbers[0], numbers[1])
    }
}
