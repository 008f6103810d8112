// An image summary as `termlabel info` shows it: aligned text for people, one JSON object per file for scripts.

import Foundation

extension ImageSummary {
    /// What `termlabel info` prints: the header, the geometry and the intensity statistics.
    public var text: String {
        let s = self
        let h = s.header
        let stats = s.statistics
        var lines = [
            s.path,
            "  format      NIfTI-\(h.niftiVersion), \(h.datatype.name)" + (h.bigEndian ? " big-endian" : "")
                + (h.sclSlope != 1 || h.sclInter != 0 ? ", scaled ×\(Self.short(h.sclSlope)) + \(Self.short(h.sclInter))" : ""),
            "  shape       \(h.dims.map(String.init).joined(separator: " × "))"
                + (h.volumeCount > 1 ? "  (\(h.volumeCount) volumes)" : ""),
            "  spacing     \(h.zooms.map(Self.short).joined(separator: " × "))",
            "  axcodes     \(s.axcodes)  (canonical shape \(s.canonicalShape.map(String.init).joined(separator: " × ")))",
            "  codes       sform \(s.grid.geometry.sformCode), qform \(s.grid.geometry.qformCode)",
            "  affine",
        ]
        lines += s.grid.affine.rows.map { "    " + $0.map { String(format: "%11.4f", $0) }.joined(separator: " ") }
        lines.append("  intensity   min \(Self.short(stats.finiteMin))  max \(Self.short(stats.finiteMax))  mean \(Self.short(stats.finiteMean))")
        lines.append("              1st percentile \(Self.short(s.percentile1))  99th percentile \(Self.short(s.percentile99))")
        if stats.nanCount > 0 { lines.append("              \(stats.nanCount) NaN voxels (left out of these figures)") }
        return lines.joined(separator: "\n")
    }

    /// The same as one JSON object on one line.
    public var json: String {
        let s = self
        let h = s.header
        let stats = s.statistics
        let fields: [(String, String)] = [
            ("path", Self.quoted(s.path)),
            ("format", Self.quoted("nifti\(h.niftiVersion)")),
            ("shape", Self.array(h.dims.map(String.init))),
            ("datatype", Self.quoted(h.numpyDatatype)),
            ("datatype_code", String(h.datatype.niftiCode)),
            ("spacing", Self.array(h.zooms.map(Self.number))),
            ("axcodes", Self.array(s.axcodes.map { Self.quoted(String($0)) })),
            ("canonical_shape", Self.array(s.canonicalShape.map(String.init))),
            ("affine", Self.array(s.grid.affine.rows.map { Self.array($0.map(Self.number)) })),
            ("sform_code", String(s.grid.geometry.sformCode)),
            ("qform_code", String(s.grid.geometry.qformCode)),
            ("scl_slope", Self.number(h.sclSlope)),
            ("scl_inter", Self.number(h.sclInter)),
            ("volumes", String(h.volumeCount)),
            ("min", Self.number(stats.min)),
            ("max", Self.number(stats.max)),
            ("mean", Self.number(stats.mean)),
            ("nan_count", String(stats.nanCount)),
            ("finite_min", Self.number(stats.finiteMin)),
            ("finite_max", Self.number(stats.finiteMax)),
            ("finite_mean", Self.number(stats.finiteMean)),
            ("p01", Self.number(s.percentile1)),
            ("p99", Self.number(s.percentile99)),
        ]
        return "{" + fields.map { "\(Self.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// Shortest text that reads back as the same Double; NaN and infinities as Python's json module writes them.
    private static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) + ".0" }
        return "\(value)"
    }

    /// Up to six significant digits, for reading.
    private static func short(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : Self.number(value)
    }

    private static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    private static func quoted(_ text: String) -> String {
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
