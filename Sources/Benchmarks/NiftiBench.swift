// `termlabel bench nifti`: load and save a large CT-sized .nii.gz (512×512×300 int16 by default), with the peak
// resident memory of the load, next to nibabel's `get_fdata()` on the same file when python3 has nibabel.

import ArgumentParser
import CommandOptions
import Foundation
import Randomness
import Volume
import VolumeTesting

struct NiftiBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nifti",
        abstract: "Time loading and saving a large .nii.gz, next to nibabel when it is installed."
    )

    @Option(help: "An existing .nii.gz to measure; by default a 512×512×300 int16 CT-like volume is generated.")
    var file: String?

    @Option(help: "Folder for the generated and written files.")
    var workdir = "/tmp/termlabel-bench"

    @Option(help: "Repetitions of each measurement (the median is reported).")
    var repeats = 3

    @Flag(help: "One JSON object per line.")
    var json = false

    func run() throws {
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        let path = try file ?? generateLargeVolume()
        var loadSeconds: [Double] = [], peakFactor: [Double] = [], peerSeconds: [Double] = []
        var voxelBytes = 0
        for _ in 0..<repeats {
            let baseline = ProcessMemory.startPeak()
            let start = DispatchTime.now()
            let volume = try Volume(contentsOf: path)
            loadSeconds.append(seconds(since: start))
            voxelBytes = volume.voxels.count * MemoryLayout<Float>.size
            peakFactor.append(ProcessMemory.peakMB(above: baseline) * 1e6 / Double(voxelBytes))
            if let peer = NibabelPeer.loadSeconds(path) { peerSeconds.append(peer) }
        }
        let volume = try Volume(contentsOf: path)
        var writeSeconds: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now()
            try volume.write(to: workdir + "/written.nii.gz")
            writeSeconds.append(seconds(since: start))
        }
        let load = median(loadSeconds), write = median(writeSeconds)
        report("nifti_load", seconds: load, extra: ["peak_over_float32": median(peakFactor), "float32_mb": Double(voxelBytes) / 1e6])
        if !peerSeconds.isEmpty {
            let peer = median(peerSeconds)
            report("nibabel_get_fdata", seconds: peer, extra: ["ours_over_nibabel": load / peer])
        } else if !json {
            print("nibabel: not installed for python3, no side-by-side figure")
        }
        report("nifti_write_gz", seconds: write, extra: [:])
    }

    func report(_ name: String, seconds: Double, extra: [String: Double]) {
        if json {
            let fields = [("name", "\"\(name)\""), ("seconds", String(format: "%.4f", seconds))]
                + extra.sorted { $0.key < $1.key }.map { ($0.key, String(format: "%.4f", $0.value)) }
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            let rest = extra.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }
            print(([name, String(format: "%.3f s", seconds)] + rest).joined(separator: "  "))
        }
    }

    /// A CT phantom resampled to 512×512×300 with fresh noise, so it compresses as a real scan does.
    func generateLargeVolume() throws -> String {
        let path = workdir + "/ct_512x512x300.nii.gz"
        if FileManager.default.fileExists(atPath: path) { return path }
        let small = AbdomenPhantom.make(seed: 7, shape: [128, 128, 75], spacing: [2.8, 2.8, 4.0]).image
        let target = Grid(shape: [512, 512, 300], affine: small.affine * Affine.scaling(0.25, 0.25, 0.25))
        var large = small.resampled(to: target, outside: -1000)
        var random = SplitMix(seed: 11)
        for n in 0..<large.voxels.count { large.voxels[n] = (large.voxels[n] + Float(8 * random.gaussian())).rounded() }
        large.header = ImageHeader(datatype: .int16, dims: [512, 512, 300], zooms: target.spacingMM)
        try large.write(to: path)
        return path
    }
}

/// nibabel's load + get_fdata() on the same file, timed inside python so that interpreter start-up is left out.
enum NibabelPeer {
    static func loadSeconds(_ path: String) -> Double? {
        let script = """
        import sys, time
        import nibabel
        t = time.perf_counter(); nibabel.load(sys.argv[1]).get_fdata(); print(time.perf_counter() - t)
        """
        return runPython(script, arguments: [path]).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

func runPython(_ script: String, arguments: [String], python: String = "python3") -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, "-c", script] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}
