// Resident memory and CPU time of this process, from /proc and getrusage (Linux), for the benchmarks' figures.

import App
import Foundation

enum ProcessMemory {
    /// Current and peak resident set size in bytes (VmRSS, VmHWM); nil where /proc does not tell, so that a figure
    /// says NaN rather than a made-up zero.
    static func resident() -> (current: Int, peak: Int)? {
        guard let data = FileManager.default.contents(atPath: "/proc/self/status") else { return nil }
        let status = String(decoding: data, as: UTF8.self)
        func field(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().lazy.compactMap { Int($0) }.first.map { $0 * 1024 }
        }
        guard let current = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (current, peak)
    }

    /// User and system CPU seconds of the whole process so far (all threads).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Starts a peak measurement and returns the resident bytes it starts from. Free memory that malloc keeps is
    /// handed back first (a new allocation would otherwise reuse pages already counted, and the peak would not
    /// rise), then VmHWM is reset to the current RSS ("5" into clear_refs). Nil where the kernel refuses the reset:
    /// the figure is then not measurable, rather than an old peak.
    static func startPeak() -> Int? {
        MemoryPolicy.release()
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return nil }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return nil }
        return resident()?.current
    }

    /// Megabytes (10⁶ bytes) the peak rose above `baseline` since `startPeak`; NaN when it could not be measured.
    static func peakMB(above baseline: Int?) -> Double {
        guard let baseline, let peak = resident()?.peak else { return .nan }
        return Double(peak - baseline) / 1e6
    }

    /// The peak resident megabytes since `startPeak` (NaN when it could not be reset).
    static func peakMB(started baseline: Int?) -> Double {
        guard baseline != nil, let peak = resident()?.peak else { return .nan }
        return Double(peak) / 1e6
    }
}
