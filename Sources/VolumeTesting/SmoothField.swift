// A smooth random field: a sum of a few cosines with random directions, wavelengths and phases. Deforms organ
// outlines, modulates texture and makes MRI bias fields; cheap, seeded and the same at any resolution.

import Foundation
import Randomness

public struct SmoothField: Sendable {
    struct Wave: Sendable {
        var kx: Double, ky: Double, kz: Double, phase: Double, amplitude: Double
    }
    private var waves: [Wave]

    /// Waves with wavelengths between `shortestMM` and `longestMM`; values roughly within ±1.
    public init(random: inout SplitMix, waves count: Int = 6, shortestMM: Double, longestMM: Double) {
        waves = (0..<count).map { _ in
            // Random direction on the sphere.
            let z = random.uniform(-1, 1), angle = random.uniform(0, 2 * .pi)
            let r = (1 - z * z).squareRoot()
            let wavelength = random.uniform(shortestMM, longestMM)
            let k = 2 * Double.pi / wavelength
            return Wave(kx: k * r * cos(angle), ky: k * r * sin(angle), kz: k * z,
                        phase: random.uniform(0, 2 * .pi), amplitude: random.uniform(0.5, 1) / Double(count).squareRoot())
        }
    }

    @inline(__always)
    public func value(_ x: Double, _ y: Double, _ z: Double) -> Double {
        var sum = 0.0
        for w in waves { sum += w.amplitude * cos(w.kx * x + w.ky * y + w.kz * z + w.phase) }
        return sum
    }
}
