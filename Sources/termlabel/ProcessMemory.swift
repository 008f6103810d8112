// Resident memory of this process, from /proc (Linux), for the benchmarks' peak-memory figures.

import Foundation

enum ProcessMemory {
    /// Current and peak resident set size in bytes (VmRSS, VmHWM).
    static func resident() -> (current: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "0") ?? 0) * 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// Starts a new peak measurement: Linux resets VmHWM to the current RSS when "5" is written to clear_refs.
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}
