// Intensity → grey through a window (width/level), with the presets radiologists use.

import Volume

public struct WindowLevel: Hashable, Sendable {
    public var width: Float
    public var level: Float

    public init(width: Float, level: Float) {
        self.width = max(width, 1e-3)
        self.level = level
    }

    public var lower: Float { level - width / 2 }
    public var upper: Float { level + width / 2 }

    /// 0 at or below the window, 255 at or above it, linear (rounded) in between.
    @inline(__always)
    public func gray(_ value: Float) -> UInt8 {
        guard value.isFinite else { return 0 }
        let t = (value - lower) / width
        return UInt8(min(max(t * 255, 0), 255).rounded())
    }

    public static let softTissue = WindowLevel(width: 400, level: 40)
    public static let lung = WindowLevel(width: 1500, level: -600)
    public static let bone = WindowLevel(width: 1800, level: 400)
    public static let brain = WindowLevel(width: 80, level: 40)

    /// The 1st–99th percentile range of an image (MRI and anything not in Hounsfield units).
    public static func percentiles(of volume: Volume) -> WindowLevel {
        let p = Percentiles.of(volume.voxels, [1, 99])
        return WindowLevel(width: Float(max(p[1] - p[0], 1e-3)), level: Float((p[0] + p[1]) / 2))
    }
}
