// A deformed ellipsoid: the basic shape of every phantom organ.

import Foundation
import Randomness

public struct Blob: Sendable {
    public var center: (Double, Double, Double)
    public var radii: (Double, Double, Double)
    /// Rotation about the z axis (radians), enough to vary organ poses in an axial-dominant body.
    public var yaw: Double
    public var deformation: SmoothField
    /// How far the outline moves with the field, as a fraction of the radius.
    public var roughness: Double

    public init(center: (Double, Double, Double), radii: (Double, Double, Double), yaw: Double = 0,
                roughness: Double, random: inout SplitMix, waveLengthMM: ClosedRange<Double> = 40...120) {
        self.center = center
        self.radii = radii
        self.yaw = yaw
        self.roughness = roughness
        deformation = SmoothField(random: &random, waves: 5, shortestMM: waveLengthMM.lowerBound,
                                  longestMM: waveLengthMM.upperBound)
    }

    /// < 1 inside, 1 on the surface, > 1 outside (a normalised radius, deformed).
    @inline(__always)
    public func level(_ x: Double, _ y: Double, _ z: Double) -> Double {
        let dx = x - center.0, dy = y - center.1, dz = z - center.2
        let c = cos(yaw), s = sin(yaw)
        let u = (c * dx + s * dy) / radii.0, v = (-s * dx + c * dy) / radii.1, w = dz / radii.2
        let r = (u * u + v * v + w * w).squareRoot()
        return r * (1 + roughness * deformation.value(x, y, z))
    }

    public func contains(_ x: Double, _ y: Double, _ z: Double) -> Bool { level(x, y, z) < 1 }

    /// A bounding box in world millimetres, with room for the deformation.
    public var extent: (lower: (Double, Double, Double), upper: (Double, Double, Double)) {
        let r = max(radii.0, radii.1) * (1 + 2 * roughness) + 2
        let h = radii.2 * (1 + 2 * roughness) + 2
        return ((center.0 - r, center.1 - r, center.2 - h), (center.0 + r, center.1 + r, center.2 + h))
    }
}
