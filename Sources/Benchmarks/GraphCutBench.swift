// `termlabel bench graphcut`: the scribble graph cut on a large region (256×256×128 by default): graph build and
// max-flow time and peak memory, next to PyMaxflow (the same Boykov–Kolmogorov algorithm in C++) on the same
// graph and energy when python3 has it.

import ArgumentParser
import CommandOptions
import Foundation
import Segmenters
import Volume
import VolumeTesting

struct GraphCutBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphcut",
        abstract: "Time graph build + max-flow on a large region, next to PyMaxflow when it is installed."
    )

    @Option(help: "Region shape I,J,K.")
    var size = "256,256,128"

    @Option(help: "Folder for the energy handed to PyMaxflow.")
    var workdir = "/tmp/termlabel-bench"

    @Flag(help: "Skip the PyMaxflow side.")
    var noPeer = false

    @Flag(help: "One JSON object per line.")
    var json = false

    func run() throws {
        let shape = size.split(separator: ",").compactMap { Int($0) }
        guard shape.count == 3, shape.allSatisfy({ $0 > 1 }) else { throw ValidationError("--size takes I,J,K") }
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        let energy = Energy.make(shape: shape)

        let baseline = ProcessMemory.startPeak()
        var start = DispatchTime.now()
        var graph = GridGraph(shape: shape)
        graph.setDataTerms(costs: energy.costs, fixed: energy.fixed)
        let options = GraphCutOptions()
        graph.setSmoothness(intensities: energy.intensities, lambda: options.lambda, sigma: options.sigma, spacing: [1, 1, 1])
        let build = seconds(since: start)
        start = DispatchTime.now()
        let cut = try graph.minimumCut()
        let flow = seconds(since: start)
        let peakMB = ProcessMemory.peakMB(above: baseline)
        let foreground = cut.sourceSide.reduce(0) { $0 + ($1 ? 1 : 0) }
        report("graphcut_ours", ["build_s": build, "maxflow_s": flow, "total_s": build + flow, "flow": cut.flow,
                                 "foreground_voxels": Double(foreground), "peak_rss_mb": peakMB])
        guard !noPeer else { return }
        try energy.save(to: workdir, lambda: options.lambda, sigma: options.sigma)
        if let peer = PyMaxflowPeer.run(workdir: workdir, shape: shape) {
            report("graphcut_pymaxflow", ["build_s": peer.build, "maxflow_s": peer.flow, "total_s": peer.build + peer.flow,
                                          "flow": peer.value, "foreground_voxels": peer.foreground,
                                          "ours_over_peer": (build + flow) / (peer.build + peer.flow)])
        } else if !json {
            print("PyMaxflow: not installed for python3 (pip install PyMaxflow), no side-by-side figure")
        }
    }

    func report(_ name: String, _ fields: [String: Double]) { printFigure(name, fields, json: json) }
}

/// A segmentation energy on a CT phantom resampled to the bench shape: liver scribbles, mixture posterior.
struct Energy {
    var shape: [Int]
    var intensities: [Float]
    /// Cost of background and of foreground at each voxel.
    var costs: [[Float]]
    /// 1 for a foreground seed, 0 for a background seed, −1 elsewhere.
    var fixed: [Int8]

    static func make(shape: [Int]) -> Energy {
        let phantom = AbdomenPhantom.make(seed: 1001)
        let target = Grid(shape: shape, affine: phantom.image.affine * Affine.scaling(
            Double(phantom.image.shape[0]) / Double(shape[0]), Double(phantom.image.shape[1]) / Double(shape[1]),
            Double(phantom.image.shape[2]) / Double(shape[2])))
        let image = phantom.image.resampled(to: target)
        let truth = phantom.labels.resampled(to: target)
        let scribbles = ScribbleSimulator.scribbles(for: truth, labels: [1], backgroundValue: 2)
        let window = IntensityWindow.ctAbdomen
        let intensities = image.voxels.map(window.normalise)
        let features = Features(intensities: intensities, shape: shape, localMean: false)
        var fixed = [Int8](repeating: -1, count: intensities.count)
        var inside: [Int] = [], outside: [Int] = []
        for n in 0..<scribbles.voxels.count {
            if scribbles.voxels[n] == 1 { fixed[n] = 1; inside.append(n) }
            if scribbles.voxels[n] == 2 { fixed[n] = 0; outside.append(n) }
        }
        let a = IntensityModel.fit(.gmm, features: features, samples: inside)
        let b = IntensityModel.fit(.gmm, features: features, samples: outside)
        var costs = [[Float]](repeating: [Float](repeating: 0, count: intensities.count), count: 2)
        for v in 0..<intensities.count {
            let x = a.density(features, v), y = b.density(features, v)
            let p = min(max(x / (x + y), 1e-6), 1 - 1e-6)
            costs[0][v] = -log(1 - p)
            costs[1][v] = -log(p)
        }
        return Energy(shape: shape, intensities: intensities, costs: costs, fixed: fixed)
    }

    /// The same energy as raw float32 arrays: t-links (hard constraints as a large finite weight, which
    /// PyMaxflow needs) and one n-link weight array per forward direction.
    func save(to folder: String, lambda: Float, sigma: Float) throws {
        let hard: Float = 1e6
        var source = [Float](repeating: 0, count: intensities.count), sink = source
        for v in 0..<intensities.count {
            switch fixed[v] {
            case 1: source[v] = hard
            case 0: sink[v] = hard
            default: source[v] = costs[0][v]; sink[v] = costs[1][v]
            }
        }
        try write(source, folder + "/source.f32")
        try write(sink, folder + "/sink.f32")
        for (axis, name) in ["i", "j", "k"].enumerated() {
            let strides = [1, shape[0], shape[0] * shape[1]]
            var weights = [Float](repeating: 0, count: intensities.count)
            for v in 0..<intensities.count where (v / strides[axis]) % shape[axis] < shape[axis] - 1 {
                let d = intensities[v] - intensities[v + strides[axis]]
                weights[v] = lambda * exp(-d * d / (2 * sigma * sigma))
            }
            try write(weights, folder + "/n\(name).f32")
        }
    }

    func write(_ values: [Float], _ path: String) throws {
        try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
    }
}

enum PyMaxflowPeer {
    static func run(workdir: String, shape: [Int]) -> (build: Double, flow: Double, value: Double, foreground: Double)? {
        let script = """
        import sys, time, numpy as np, maxflow
        d, shape = sys.argv[1], tuple(int(x) for x in sys.argv[2].split(','))
        load = lambda n: np.fromfile(d + '/' + n, dtype=np.float32).reshape(shape[::-1]).transpose(2, 1, 0)
        src, snk, ni, nj, nk = (load(n) for n in ['source.f32', 'sink.f32', 'ni.f32', 'nj.f32', 'nk.f32'])
        t = time.perf_counter()
        g = maxflow.Graph[float]()
        ids = g.add_grid_nodes(shape)
        for w, axis in ((ni, 0), (nj, 1), (nk, 2)):
            s = np.zeros((3, 3, 3)); idx = [1, 1, 1]; idx[axis] = 2; s[tuple(idx)] = 1
            g.add_grid_edges(ids, weights=w, structure=s, symmetric=True)
        g.add_grid_tedges(ids, src, snk)
        build = time.perf_counter() - t
        t = time.perf_counter(); value = g.maxflow(); flow = time.perf_counter() - t
        fg = int((~g.get_grid_segments(ids)).sum())
        print(build, flow, value, fg)
        """
        guard let out = runPython(script, arguments: [workdir, shape.map(String.init).joined(separator: ",")]) else { return nil }
        let parts = out.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        return parts.count == 4 ? (parts[0], parts[1], parts[2], parts[3]) : nil
    }
}
