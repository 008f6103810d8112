// Maps image intensities to [0, 1] before likelihoods and n-links: a CT window in Hounsfield units, or
// percentiles of the image for MRI and anything unknown (a fixed CT window on MRI would flatten it).

import Foundation

public struct IntensityWindow: Sendable, Equatable {
    public var lower: Float
    public var upper: Float

    public init(lower: Float, upper: Float) {
        precondition(upper > lower, "a window needs upper > lower")
        self.lower = lower
        self.upper = upper
    }

    /// Width/level as radiologists give them (e.g. soft tissue 400/40).
    public init(width: Float, level: Float) {
        self.init(lower: level - width / 2, upper: level + width / 2)
    }

    /// Soft tissue and contrast-enhanced organs, bone saturating: the default for CT scribbles.
    public static let ctAbdomen = IntensityWindow(lower: -250, upper: 350)

    @inline(__always)
    public func normalise(_ value: Float) -> Float {
        min(max((value - lower) / (upper - lower), 0), 1)
    }

    /// The 0.5th–99.5th percentile range of the image.
    public static func percentiles(of volume: Volume, lower: Double = 0.5, upper: Double = 99.5) -> IntensityWindow {
        let p = Percentiles.of(volume.voxels, [lower, upper])
        return spanning(Float(p[0]), Float(p[1]))
    }

    /// The window from `lower` to `upper`, made usable whatever they are: a flat or inverted range is widened a
    /// little, a non-finite end replaced (an image of one value, or of NaNs, still gets a window).
    public static func spanning(_ lower: Float, _ upper: Float) -> IntensityWindow {
        let low = lower.isFinite ? lower : (upper.isFinite ? upper - 1 : 0)
        var high = upper.isFinite ? upper : low + 1
        if !(high > low) { high = low + max(1e-3, abs(low) * 1e-3) }
        // At the edge of Float's range the step above can vanish or overflow.
        if !(high > low) || !high.isFinite { return IntensityWindow(lower: low.nextDown, upper: low) }
        return IntensityWindow(lower: low, upper: high)
    }

    /// CT (Hounsfield units: air near −1000 in the image) gets the abdominal window, anything else percentiles.
    public static func automatic(for volume: Volume) -> IntensityWindow {
        Modality.guess(volume) == .ct ? ctAbdomen : percentiles(of: volume)
    }
}

public enum Modality: String, Sendable {
    case ct, other

    /// CT when a good share of voxels sits near −1000 (air in Hounsfield units) and nothing is far below it.
    public static func guess(_ volume: Volume) -> Modality {
        var air = 0, belowAir = 0
        for v in volume.voxels {
            if v < -1100 { belowAir += 1 } else if v < -850 { air += 1 }
        }
        let n = max(volume.voxels.count, 1)
        return air * 50 > n && belowAir * 20 < n ? .ct : .other
    }
}
