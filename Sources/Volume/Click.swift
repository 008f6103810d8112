// A click as the annotator made it, and MONAI Label's click JSON, the one way clicks come in and go out of files.

import Foundation

/// One click: where, for which label, and whether it says "this is the label" (positive) or "this is not" (negative).
/// A list of clicks keeps their order.
public struct Click: Sendable, Hashable {
    public var voxel: VoxelIndex
    /// The label the click was made for (for a negative click from a file that does not say: 0).
    public var label: UInt16
    public var positive: Bool

    public init(_ voxel: VoxelIndex, label: UInt16, positive: Bool) {
        self.voxel = voxel
        self.label = label
        self.positive = positive
    }
}

/// MONAI Label's click JSON, in voxel indices: `{"foreground": [[i, j, k], …], "background": […]}` (DeepGrow), or
/// one list per label name plus "background" (DeepEdit).
public enum ClickJSON {
    /// The clicks of a file: "foreground" clicks are positive for label 1, a label name's clicks positive for its
    /// value (`labels`: name → value), "background" clicks negative. Lists come in the order of `labels`' values,
    /// foreground first, background last; clicks keep their order within a list.
    /// With `grid`, a click outside it is refused.
    public static func read(_ path: String, labels: [String: UInt16] = [:], within grid: Grid? = nil) throws -> [Click] {
        let data = try WholeFile.read(path)
        func bad(_ reason: String) -> VolumeError { .malformed(path: path, reason: reason) }
        let expected = "not click JSON ({\"foreground\": [[i,j,k]…], \"background\": […]} or one list per label name)"
        guard let lists = try json(data, else: expected, bad: bad) as? [String: Any] else { throw bad(expected) }
        return try clicks(lists, labels: labels, within: grid, source: path)
    }

    /// The clicks of parsed click JSON (`source` names it in errors), as `read` takes them from a file.
    public static func clicks(_ lists: [String: Any], labels: [String: UInt16] = [:], within grid: Grid? = nil,
                              source: String) throws -> [Click] {
        func bad(_ reason: String) -> VolumeError { .malformed(path: source, reason: reason) }
        var clicks: [(order: Int, click: Click)] = []
        for (key, value) in lists {
            let label: UInt16
            switch key {
            case "background": label = 0
            case "foreground": label = 1
            default:
                guard let known = labels[key] else {
                    let names = labels.sorted { $0.value < $1.value }.map(\.key) + ["background"]
                    throw bad("\"\(key)\" is not a label (\(names.joined(separator: ", ")))")
                }
                label = known
            }
            guard let points = value as? [Any] else { throw bad("\"\(key)\" must be a list of [i, j, k]") }
            for point in points {
                let voxel = try index(point, bad: bad)
                // Background last: its order key is past every label's.
                clicks.append((key == "background" ? Int(UInt16.max) + 1 : Int(label), Click(voxel, label: label, positive: key != "background")))
            }
        }
        if let grid, let outside = clicks.first(where: { !grid.contains($0.click.voxel) }) {
            throw bad("click \(outside.click.voxel) is outside the image (\(grid.shape.map(String.init).joined(separator: "×")))")
        }
        // A stable sort: clicks keep their file order within a list.
        return clicks.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element.click)
    }

    /// A JSON list of voxel indices, `[[i, j, k], …]` (a lasso's points).
    public static func readPoints(_ path: String) throws -> [VoxelIndex] {
        let data = try WholeFile.read(path)
        func bad(_ reason: String) -> VolumeError { .malformed(path: path, reason: reason) }
        let expected = "not a JSON list of voxel indices ([[i,j,k], …])"
        guard let points = try json(data, else: expected, bad: bad) as? [Any] else { throw bad(expected) }
        return try points.map { try index($0, bad: bad) }
    }

    /// The clicks as MONAI Label's JSON: positive clicks under their label's name (`names`; "foreground" when a label
    /// has none), negative clicks under "background".
    public static func encode(_ clicks: [Click], names: [UInt16: String] = [:]) throws -> Data {
        var lists: [String: [[Int]]] = ["background": []]
        for click in clicks {
            let key = click.positive ? names[click.label] ?? "foreground" : "background"
            lists[key, default: []].append([click.voxel.i, click.voxel.j, click.voxel.k])
        }
        // Sorted keys: the same clicks give the same bytes.
        return try JSONSerialization.data(withJSONObject: lists, options: [.sortedKeys])
    }

    /// The parsed document; else `expected`, with the parser's own reason for refusing it.
    private static func json(_ data: Data, else expected: String, bad: (String) -> VolumeError) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data)
        } catch {
            throw bad(expected + ": " + ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"))
        }
    }

    private static func index(_ point: Any, bad: (String) -> VolumeError) throws -> VoxelIndex {
        guard let numbers = point as? [Any], numbers.count == 3,
              let values = Optional(numbers.compactMap { ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }), values.count == 3 else {
            throw bad("a click needs three voxel indices, got \(describe(point))")
        }
        return VoxelIndex(values[0], values[1], values[2])
    }

    private static func describe(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }
}
