// `termlabel info FILE...`: header facts and intensity statistics of NIfTI files, as text or JSON lines.

import ArgumentParser
import Foundation
import Volume

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print shape, datatype, spacing, orientation, affine and intensity statistics of NIfTI files."
    )

    @Flag(name: .long, help: "One JSON object per file and line.")
    var json = false

    @Argument(help: "NIfTI files (.nii, .nii.gz, .hdr).")
    var files: [String]

    func run() throws {
        var failed = false
        for path in files {
            do {
                let summary = try ImageSummary(path: path)
                print(json ? InfoFormat.json(summary) : InfoFormat.text(summary))
            } catch let error as VolumeError {
                failed = true
                printError(error.description)
            } catch {
                failed = true
                printError("\(path): \(error)")
            }
        }
        if failed { throw ExitCode.failure }
    }
}

enum InfoFormat {
    static func text(_ s: ImageSummary) -> String {
        let h = s.header
        let stats = s.statistics
        var lines = [
            s.path,
            "  format      NIfTI-\(h.niftiVersion), \(h.datatype.name)" + (h.bigEndian ? " big-endian" : "")
                + (h.sclSlope != 1 || h.sclInter != 0 ? ", scaled ×\(short(h.sclSlope)) + \(short(h.sclInter))" : ""),
            "  shape       \(h.dims.map(String.init).joined(separator: " × "))"
                + (h.volumeCount > 1 ? "  (\(h.volumeCount) volumes)" : ""),
            "  spacing     \(h.zooms.map(short).joined(separator: " × "))",
            "  axcodes     \(s.axcodes)  (canonical shape \(s.canonicalShape.map(String.init).joined(separator: " × ")))",
            "  codes       sform \(s.grid.geometry.sformCode), qform \(s.grid.geometry.qformCode)",
            "  affine",
        ]
        lines += s.grid.affine.rows.map { "    " + $0.map { String(format: "%11.4f", $0) }.joined(separator: " ") }
        lines.append("  intensity   min \(short(stats.finiteMin))  max \(short(stats.finiteMax))  mean \(short(stats.finiteMean))")
        lines.append("              1st percentile \(short(s.percentile1))  99th percentile \(short(s.percentile99))")
        if stats.nanCount > 0 { lines.append("              \(stats.nanCount) NaN voxels (left out of these figures)") }
        return lines.joined(separator: "\n")
    }

    static func json(_ s: ImageSummary) -> String {
        let h = s.header
        let stats = s.statistics
        let fields: [(String, String)] = [
            ("path", quoted(s.path)),
            ("format", quoted("nifti\(h.niftiVersion)")),
            ("shape", array(h.dims.map(String.init))),
            ("datatype", quoted(h.numpyDatatype)),
            ("datatype_code", String(h.datatype.niftiCode)),
            ("spacing", array(h.zooms.map(number))),
            ("axcodes", array(s.axcodes.map { quoted(String($0)) })),
            ("canonical_shape", array(s.canonicalShape.map(String.init))),
            ("affine", array(s.grid.affine.rows.map { array($0.map(number)) })),
            ("sform_code", String(s.grid.geometry.sformCode)),
            ("qform_code", String(s.grid.geometry.qformCode)),
            ("scl_slope", number(h.sclSlope)),
            ("scl_inter", number(h.sclInter)),
            ("volumes", String(h.volumeCount)),
            ("min", number(stats.min)),
            ("max", number(stats.max)),
            ("mean", number(stats.mean)),
            ("nan_count", String(stats.nanCount)),
            ("finite_min", number(stats.finiteMin)),
            ("finite_max", number(stats.finiteMax)),
            ("finite_mean", number(stats.finiteMean)),
            ("p01", number(s.percentile1)),
            ("p99", number(s.percentile99)),
        ]
        return "{" + fields.map { "\(quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// Shortest text that reads back as the same Double; NaN and infinities as Python's json module writes them.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) + ".0" }
        return "\(value)"
    }

    /// Up to six significant digits, for reading.
    static func short(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : number(value)
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data(("termlabel: " + message + "\n").utf8))
}
