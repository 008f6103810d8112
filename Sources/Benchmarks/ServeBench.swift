// `termlabel bench serve`: `termlabel serve`'s answers under load on loopback. Ten clients (threads, each opening a
// connection per request as MONAI Label's client does) ask for /info/ and /datastore/ in turns; then DeepGrow 2D
// (a network of the default size, untrained: the time is the same) and the classical clicks tool are called one at
// a time with a click on a CT study of 160×160×56. Latencies are wall-clock, request sent to answer read.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Server
import ServerTesting
import Volume
import VolumeTesting

struct ServeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Latency of termlabel serve on loopback: /info/ and /datastore/ under 10 clients, DeepGrow 2D and clicks inference."
    )

    @Option(help: "Concurrent clients for the study-list routes.")
    var clients = 10

    @Option(help: "Requests per client.")
    var requests = 200

    @Option(help: "Inference calls per model.")
    var calls = 20

    @Flag(help: "One JSON object per figure.")
    var json = false

    func run() throws {
        let folder = NSTemporaryDirectory() + "termlabel-bench-serve-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var phantoms: [Phantom] = []
        for n in 0..<4 {
            let phantom = AbdomenPhantom.make(seed: UInt64(3000 + n))
            try phantom.image.write(to: folder + "/ct_\(n).nii.gz")
            phantoms.append(phantom)
        }
        try Data(#"{"labels": {"liver": 1}}"#.utf8).write(to: URL(fileURLWithPath: folder + "/labels.json"))
        let database = try AppDatabase(folder: folder)
        try database.sync(author: "bench")
        let config = ModelConfig.defaults(.deepgrow2d, labels: [ModelLabel(value: 1, name: "liver")], modality: "CT")
        let weights = database.modelsFolder + "/deepgrow2d-bench.safetensors"
        try FileManager.default.createDirectory(atPath: database.modelsFolder, withIntermediateDirectories: true)
        try SegmentationModel(config: config, seed: 1).save(to: weights)
        try database.registerModel(name: "deepgrow2d-bench", kind: "deepgrow2d", weightsPath: weights, trainedOn: [], metrics: [:])

        var options = ServerOptions()
        options.port = 0
        let server = try HTTPServer(responder: try MonaiAPI(database: database), options: options) { _ in }
        defer { server.stop() }
        let client = LoopbackClient(port: server.port)

        // The study-list routes under concurrent clients.
        let results = LatencyLog()
        let started = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: clients) { _ in
            for n in 0..<requests {
                let path = n % 2 == 0 ? "/info/" : "/datastore/?output=all"
                let start = DispatchTime.now()
                let reply = Result { try client.get(path) }
                results.add(path, seconds(since: start), reply)
            }
        }
        let wall = seconds(since: started)
        for path in ["/info/", "/datastore/?output=all"] {
            let figures = results.figures(path)
            printFigure("serve \(path) \(clients) clients", figures.merging(["requests per s": Double(clients * requests) / wall]) { a, _ in a }, json: json)
        }

        // Inference, one call at a time (the server runs model calls one at a time), a click in the liver.
        let liver = phantoms[0].labels
        let inside = liver.voxels.indices.filter { liver.voxels[$0] == 1 }
        for model in ["deepgrow_2d", "Clicks+GraphCut"] {
            for n in 0..<calls {
                let v = liver.grid.voxel(atOffset: inside[(n * 7919) % inside.count])
                let params = #"{"foreground": [[\#(v.i), \#(v.j), \#(v.k)]], "background": []}"#
                let start = DispatchTime.now()
                let reply = Result { try client.multipart(method: "POST", "/infer/\(model)?image=ct_0", fields: ["params": params]) }
                results.add(model, seconds(since: start), reply)
            }
            printFigure("serve infer \(model) 160×160×56", results.figures(model), json: json)
        }
    }
}

/// Latencies per route, and failures.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: [String: [Double]] = [:]
    private var failures: [String: Int] = [:]
    /// The first failure's reason per route, said on standard error.
    private var reasons: [String: String] = [:]

    /// A request that failed to connect or was not answered 200 counts as an error.
    func add(_ route: String, _ value: Double, _ reply: Result<HTTPReply, Error>) {
        let reason: String? = switch reply {
        case .success(let answer): answer.status == 200 ? nil : "\(answer.status) \(answer.detail)"
        case .failure(let error): "\(error)"
        }
        lock.lock()
        seconds[route, default: []].append(value)
        if let reason {
            failures[route, default: 0] += 1
            if reasons[route] == nil {
                reasons[route] = reason
                FileHandle.standardError.write(Data("\(route): \(reason)\n".utf8))
            }
        }
        lock.unlock()
    }

    func figures(_ route: String) -> [String: Double] {
        lock.lock()
        defer { lock.unlock() }
        let sorted = (seconds[route] ?? []).sorted()
        guard !sorted.isEmpty else { return ["errors": Double(failures[route] ?? 0)] }
        func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)] * 1000 }
        return ["p50 ms": quantile(0.5), "p99 ms": quantile(0.99), "max ms": sorted.last! * 1000, "count": Double(sorted.count),
                "errors": Double(failures[route] ?? 0)]
    }
}
