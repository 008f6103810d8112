// A small study folder served on a loopback port for one test: CT phantoms with labels.json, the first labeled.

@testable import App
import Datastore
import Foundation
import ServerTesting
import Learning
import Server
import Volume
import VolumeTesting

final class ServedFolder {
    let path: String
    let database: AppDatabase
    let server: HTTPServer
    let client: LoopbackClient
    var images: [String: Volume] = [:]
    var truths: [String: LabelVolume] = [:]
    private let lines = LogLines()

    /// `generic`: the shipped models the server finds (none unless a test gives some).
    init(count: Int = 3, labeled: Int = 1, tokens: AccessTokens = AccessTokens(), maxUpload: Int = 64 << 20,
         generic: GenericModels = GenericModels(folder: nil), name: String = #function) throws {
        path = NSTemporaryDirectory() + "termlabel-serve-\(getpid())-\(name.filter { $0.isLetter })"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path + "/labels/final", withIntermediateDirectories: true)
        try Data(#"{"labels": {"liver": 1, "spleen": 2, "kidney_left": 3, "kidney_right": 4, "lesion": 5}, "modality": "CT"}"#.utf8)
            .write(to: URL(fileURLWithPath: path + "/labels.json"))
        for n in 0..<count {
            let id = String(format: "case_%02d", n)
            let phantom = AbdomenPhantom.make(seed: UInt64(700 + n), shape: [64, 64, 20], spacing: [4.5, 0, 8])
            try phantom.image.write(to: path + "/\(id).nii.gz")
            if n < labeled { try phantom.labels.write(to: path + "/labels/final/\(id).nii.gz") }
            images[id] = phantom.image
            truths[id] = phantom.labels
        }
        database = try AppDatabase(folder: path)
        try database.sync()
        var options = ServerOptions()
        options.port = 0
        options.maxUploadBytes = maxUpload
        let lines = self.lines
        server = try HTTPServer(responder: try MonaiAPI(database: database, tokens: tokens, generic: generic), options: options) { lines.append($0) }
        client = LoopbackClient(port: server.port)
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(atPath: path)
    }

    var log: [String] { lines.all }

    /// The voxel of `label` nearest its centre, where a user would click.
    func centre(of label: UInt16, in id: String) -> VoxelIndex {
        let truth = truths[id]!
        let inside = truth.voxels.indices.filter { truth.voxels[$0] == label }.map { truth.grid.voxel(atOffset: $0) }
        let mean = inside.reduce((0.0, 0.0, 0.0)) { ($0.0 + Double($1.i), $0.1 + Double($1.j), $0.2 + Double($1.k)) }
        let c = (mean.0 / Double(inside.count), mean.1 / Double(inside.count), mean.2 / Double(inside.count))
        return inside.min { a, b in
            func d(_ v: VoxelIndex) -> Double { pow(Double(v.i) - c.0, 2) + pow(Double(v.j) - c.1, 2) + pow(Double(v.k) - c.2, 2) }
            return d(a) < d(b)
        }!
    }

    /// The status of the last task of a route (/train/, /scoring/) once it no longer runs (two minutes at most).
    func finished(_ route: String) throws -> [String: Any] {
        var status: [String: Any] = [:]
        for _ in 0..<600 {
            status = try client.get(route).object
            if status["status"] as? String != "RUNNING" { break }
            usleep(200_000)
        }
        return status
    }

    func bytes(_ relative: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path + "/" + relative)) }

    /// Every file under the folder with its size and bytes' hash (the study list's own database files aside), and the
    /// study list's label versions and studies: what a refused request must leave as it was.
    func snapshot() throws -> [String] {
        var out: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)!
        while let relative = enumerator.nextObject() as? String {
            // A refused request leaves no temporary file behind either: the scratch folder is compared too.
            if relative.hasPrefix(".termlabel/studies.sqlite") { continue }
            var info = stat()
            guard lstat(path + "/" + relative, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            out.append("\(relative) \(info.st_size) \(ContentHash.ofFile(path + "/" + relative) ?? "?")")
        }
        for study in try database.studies() {
            out.append("study \(study.imageId) \(study.status.rawValue) labels \(try database.labelVersions(study.imageId).map { "\($0.tag) v\($0.version)" })")
        }
        return out.sorted()
    }

    func labelFile(_ label: LabelVolume, nrrd: Bool = false) throws -> Data {
        let file = NSTemporaryDirectory() + "termlabel-label-\(getpid())-\(UUID().uuidString)" + (nrrd ? ".nrrd" : ".nii.gz")
        defer { unlink(file) }
        if nrrd { try label.writeNrrd(to: file) } else { try label.write(to: file) }
        return try Data(contentsOf: URL(fileURLWithPath: file))
    }

    /// A label answer's bytes read back as a label map.
    func readLabel(_ data: Data, suffix: String) throws -> LabelVolume {
        let file = NSTemporaryDirectory() + "termlabel-answer-\(getpid())-\(UUID().uuidString)" + suffix
        defer { unlink(file) }
        try data.write(to: URL(fileURLWithPath: file))
        return try LabelVolume(contentsOfAnyFormat: file)
    }

    static func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
