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
        let port = server.port

        // The study-list routes under concurrent clients.
        let results = LatencyLog()
        let started = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            for n in 0..<requests {
                let path = n % 2 == 0 ? "/info/" : "/datastore/?output=all"
                let start = DispatchTime.now()
                let status = (try? HTTPProbe.request(port: port, "GET \(path)")) ?? 0
                results.add(path, seconds(since: start), ok: status == 200)
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
                let status = (try? HTTPProbe.multipart(port: port, "POST /infer/\(model)?image=ct_0", params: params)) ?? 0
                results.add(model, seconds(since: start), ok: status == 200)
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

    func add(_ route: String, _ value: Double, ok: Bool) {
        lock.lock()
        seconds[route, default: []].append(value)
        if !ok { failures[route, default: 0] += 1 }
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

/// One HTTP/1.1 request per connection on loopback; the status code of the answer, read whole.
enum HTTPProbe {
    static func request(port: Int, _ line: String, headers: String = "", body: Data = Data()) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ValidationError("connect: \(String(cString: strerror(errno)))") }
        let request = Data("\(line) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n\(headers)\r\n".utf8) + body
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        let status = String(decoding: answer.prefix(12), as: UTF8.self).split(separator: " ").dropFirst().first
        return status.flatMap { Int($0) } ?? 0
    }

    static func multipart(port: Int, _ line: String, params: String) throws -> Int {
        let boundary = "bench-boundary"
        let body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"params\"\r\n\r\n\(params)\r\n--\(boundary)--\r\n".utf8)
        return try request(port: port, line, headers: "Content-Type: multipart/form-data; boundary=\(boundary)\r\n", body: body)
    }
}
