// How much memory one image may take once read. Every size computed from a header is checked against it before
// anything is allocated, so that a header promising a volume larger than the machine is refused with its size
// rather than aborting the process (or dragging the machine into swap).

import Foundation

public enum MemoryBudget {
    /// Bytes one read may allocate: TERMLABEL_MAX_MEMORY (or `--max-memory`) when set, else three quarters of the
    /// memory available now.
    nonisolated(unsafe) public static var bytes: Int = fromEnvironment() ?? defaultBytes()

    /// "4G", "512M", "1500000" (bytes); nil when unset or unreadable.
    public static func parse(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var factor = 1
        if let unit = digits.last, let scale = units[unit] {
            factor = scale
            digits.removeLast()
        }
        guard let value = Double(digits), value > 0, value.isFinite, value * Double(factor) < Double(Int.max) else { return nil }
        return Int(value * Double(factor))
    }

    static func fromEnvironment() -> Int? {
        ProcessInfo.processInfo.environment["TERMLABEL_MAX_MEMORY"].flatMap(parse)
    }

    /// Three quarters of the least of: the memory available now, this process's address-space and data limits
    /// (ulimit -v, -d), and its control group's memory limit.
    static func defaultBytes() -> Int {
        var limits: [Int] = []
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            limits.append(kilobytes * 1024)
        } else {
            limits.append(Int(ProcessInfo.processInfo.physicalMemory))
        }
        for resource in [RLIMIT_AS, RLIMIT_DATA] {
            var limit = rlimit()
            if getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0 && limit.rlim_cur < UInt64(Int.max) {
                limits.append(Int(limit.rlim_cur))
            }
        }
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let bytes = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            limits.append(bytes)
        }
        return (limits.min() ?? 1 << 30) / 4 * 3
    }

    /// Refuses `count` values of `size` bytes (nil: the count overflowed) for reading `path`.
    public static func check(_ count: Int?, of size: Int, reading path: String) throws {
        let (bytes, overflow) = (count ?? Int.max).multipliedReportingOverflow(by: size)
        guard count != nil, !overflow, bytes <= MemoryBudget.bytes else {
            let needed = count.map { Double($0) * Double(size) / 1e9 }.map { String(format: "%.1f GB", $0) } ?? "more than any machine has"
            throw VolumeError.tooLarge(path: path, reason: "reading it needs \(needed); the limit is "
                                       + String(format: "%.1f GB", Double(MemoryBudget.bytes) / 1e9) + " (TERMLABEL_MAX_MEMORY or --max-memory)")
        }
    }
}
