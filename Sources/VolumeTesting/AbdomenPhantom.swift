// CT-like abdominal phantoms in Hounsfield units: body outline with subcutaneous fat and muscle wall, spine with
// discs and canal, aorta and IVC, liver with vessels and a lesion, spleen, two kidneys (cortex and medulla),
// stomach and bowel with gas and fluid. Organs vary in size, shape, pose and enhancement from seed to seed, and
// liver, spleen and kidney intensities overlap, so that no threshold segments them.

import Foundation
import Randomness
import Volume

public enum AbdomenPhantom {
    public static let labelNames = ["liver", "spleen", "kidney_left", "kidney_right", "lesion"]

    public static func make(seed: UInt64, shape: [Int] = [160, 160, 56], spacing: [Double]? = nil,
                            orientation: String = "RAS") -> Phantom {
        var random = SplitMix(seed: seed)
        let spacing = spacing ?? [random.uniform(1.7, 1.95), 0, random.uniform(2.8, 3.2)]
        let grid = Phantom.centredGrid(shape: shape, spacing: [spacing[0], spacing[0], spacing[2]], orientation: orientation)
        let s = random.uniform(0.85, 1.08)           // patient size
        let phase = random.uniform(0.8, 1.2)         // contrast enhancement
        let bodyA = 135 * s, bodyB = 98 * s
        let fatThickness = random.uniform(8, 24) * s
        let spineY = -bodyB * 0.55
        let zShift = random.uniform(-15, 15)         // where the scan sits along the body

        let outline = SmoothField(random: &random, waves: 4, shortestMM: 60, longestMM: 200)
        let texture = SmoothField(random: &random, waves: 8, shortestMM: 6, longestMM: 30)
        var liver = Blob(center: (55 * s + random.uniform(-8, 8), 8 * s + random.uniform(-8, 8), 35 + zShift),
                         radii: (random.uniform(62, 74) * s, random.uniform(58, 70) * s, random.uniform(70, 90)),
                         yaw: random.uniform(-0.25, 0.25), roughness: 0.12, random: &random)
        let spleen = Blob(center: (-72 * s + random.uniform(-6, 6), -22 * s + random.uniform(-6, 6), 40 + zShift),
                          radii: (random.uniform(24, 34) * s, random.uniform(18, 26) * s, random.uniform(40, 55)),
                          yaw: random.uniform(-0.6, 0.2), roughness: 0.1, random: &random)
        let kidneyLeft = Blob(center: (-50 * s, spineY + 12 * s, random.uniform(-20, 5) + zShift),
                              radii: (random.uniform(21, 26) * s, random.uniform(17, 21) * s, random.uniform(42, 55)),
                              yaw: random.uniform(0.2, 0.5), roughness: 0.06, random: &random)
        let kidneyRight = Blob(center: (52 * s, spineY + 12 * s, random.uniform(-30, -5) + zShift),
                               radii: (random.uniform(21, 26) * s, random.uniform(17, 21) * s, random.uniform(42, 55)),
                               yaw: random.uniform(-0.5, -0.2), roughness: 0.06, random: &random)
        let pancreas = Blob(center: (-10 * s, spineY + 45 * s, 5 + zShift), radii: (55 * s, 12 * s, 18),
                            yaw: random.uniform(-0.35, -0.1), roughness: 0.15, random: &random, waveLengthMM: 20...60)
        let stomach = Blob(center: (-40 * s, 42 * s, 45 + zShift), radii: (40 * s, 30 * s, 38),
                           yaw: random.uniform(-0.3, 0.3), roughness: 0.1, random: &random)
        var bowel: [(Blob, Double)] = []
        for _ in 0..<12 {
            let blob = Blob(center: (random.uniform(-70, 70) * s, random.uniform(0, 70) * s, random.uniform(-85, 20)),
                            radii: (random.uniform(10, 18), random.uniform(10, 18), random.uniform(15, 30)),
                            yaw: random.uniform(0, .pi), roughness: 0.1, random: &random)
            // Gas, fluid, collapsed enhancing loops (liver-like), oral contrast.
            let content = [-900.0, 15, 95, 110, 250][Int(random.uniform(0, 5))]
            bowel.append((blob, content))
        }
        // The lesion sits inside the liver: pick a point well inside it.
        var lesionCentre = liver.center
        for _ in 0..<200 {
            let c = (liver.center.0 + random.uniform(-0.6, 0.6) * liver.radii.0,
                     liver.center.1 + random.uniform(-0.6, 0.6) * liver.radii.1,
                     liver.center.2 + random.uniform(-0.5, 0.5) * liver.radii.2)
            if liver.level(c.0, c.1, c.2) < 0.65 && abs(c.2) < 70 { lesionCentre = c; break }
        }
        let lesionRadius = random.uniform(8, 18)
        let lesion = Blob(center: lesionCentre, radii: (lesionRadius, lesionRadius * random.uniform(0.8, 1.2), lesionRadius),
                          roughness: 0.08, random: &random, waveLengthMM: 15...40)
        let lesionHU = random.uniform(0, 1) < 0.7 ? random.uniform(35, 60) : random.uniform(170, 200)
        // Portal vessels: segments from the hilum outwards.
        var vessels: [((Double, Double, Double), (Double, Double, Double), Double)] = []
        for _ in 0..<5 {
            let hilum = (liver.center.0 - 0.4 * liver.radii.0, liver.center.1 - 0.2 * liver.radii.1, liver.center.2 - 0.2 * liver.radii.2)
            let end = (liver.center.0 + random.uniform(-0.2, 0.8) * liver.radii.0,
                       liver.center.1 + random.uniform(-0.7, 0.7) * liver.radii.1,
                       liver.center.2 + random.uniform(-0.6, 0.6) * liver.radii.2)
            vessels.append((hilum, end, random.uniform(2.5, 5)))
        }
        liver.roughness = 0.12

        let liverHU = random.uniform(95, 125) * phase, spleenHU = random.uniform(100, 130) * phase
        // Portal-venous/nephrographic phase: medulla close to the cortex, both brighter than liver and spleen.
        let cortexHU = random.uniform(155, 200) * phase, medullaHU = cortexHU - random.uniform(10, 35)
        let vesselHU = random.uniform(160, 210) * phase

        var hu = [Float](repeating: -1000, count: grid.voxelCount)
        var labels = [UInt16](repeating: 0, count: grid.voxelCount)
        Phantom.forEachVoxel(of: grid) { n, x, y, z in
            let wobble = 1 + 0.04 * outline.value(x, y, z)
            let rBody = ((x / (bodyA * wobble)) * (x / (bodyA * wobble)) + (y / (bodyB * wobble)) * (y / (bodyB * wobble))).squareRoot()
            guard rBody < 1 else { return }
            let t = texture.value(x, y, z)
            let innerA = bodyA - fatThickness, innerB = bodyB - fatThickness
            let rInner = ((x / innerA) * (x / innerA) + (y / innerB) * (y / innerB)).squareRoot()
            if rInner >= 1 { hu[n] = Float(-105 + 8 * t); return }
            let rMuscle = ((x / (innerA - 9)) * (x / (innerA - 9)) + (y / (innerB - 9)) * (y / (innerB - 9))).squareRoot()
            if rMuscle >= 1 { hu[n] = Float(50 + 6 * t); return }

            // Spine: vertebral body with cortical rim, discs every 32 mm, canal and spinous process.
            let vx = x, vy = y - spineY
            let rVertebra = (vx * vx + vy * vy).squareRoot()
            let disc = abs((z - zShift).truncatingRemainder(dividingBy: 32)) < 7
            if rVertebra < 17 * s {
                hu[n] = disc ? Float(85 + 10 * t) : (rVertebra > 15 * s ? Float(850 + 200 * t) : Float(260 + 60 * t))
                return
            }
            let canalY = vy + 26 * s
            if (vx * vx + canalY * canalY).squareRoot() < 8 * s { hu[n] = Float(12 + 5 * t); return }
            if (vx * vx + canalY * canalY).squareRoot() < 11 * s || (abs(vx) < 5 * s && canalY < 0 && canalY > -26 * s) {
                hu[n] = Float(650 + 250 * t); return
            }
            // Great vessels.
            let ax = x + 12 * s, ay = y - spineY - 28 * s
            if (ax * ax + ay * ay).squareRoot() < 10.5 * s { hu[n] = Float(vesselHU + 10 * t); return }
            let ix = x - 20 * s, iy = y - spineY - 26 * s
            if (ix * ix + iy * iy).squareRoot() < 11 * s { hu[n] = Float(vesselHU * 0.75 + 10 * t); return }
            // Psoas muscles beside the spine, lower down.
            if z < 0 + zShift {
                for side in [-1.0, 1.0] {
                    let px = (x - side * 30 * s) / (14 * s), py = (y - spineY) / (17 * s)
                    if px * px + py * py < 1 { hu[n] = Float(48 + 6 * t); return }
                }
            }
            // Ribs in the upper abdomen: short arcs of bone just inside the muscle wall.
            if z > 20 + zShift && rMuscle > 0.93 && abs((z - zShift).truncatingRemainder(dividingBy: 24)) < 5 {
                hu[n] = Float(500 + 200 * t); return
            }
            for (kidney, label) in [(kidneyLeft, UInt16(3)), (kidneyRight, UInt16(4))] {
                let level = kidney.level(x, y, z)
                if level < 1 {
                    labels[n] = label
                    hu[n] = level > 0.75 ? Float(cortexHU + 12 * t) : (level < 0.18 ? Float(10 + 5 * t) : Float(medullaHU + 10 * t))
                    return
                }
            }
            if liver.contains(x, y, z) {
                if lesion.contains(x, y, z) {
                    labels[n] = 5
                    hu[n] = Float(lesionHU + 8 * t)
                    return
                }
                labels[n] = 1
                for (a, b, radius) in vessels where distanceToSegment((x, y, z), a, b) < radius {
                    hu[n] = Float(vesselHU * 0.9 + 8 * t)
                    return
                }
                hu[n] = Float(liverHU + 13 * t)
                return
            }
            if spleen.contains(x, y, z) { labels[n] = 2; hu[n] = Float(spleenHU + 9 * t); return }
            if pancreas.contains(x, y, z) { hu[n] = Float(liverHU * 0.95 + 12 * t); return }
            let stomachLevel = stomach.level(x, y, z)
            if stomachLevel < 1 {
                hu[n] = stomachLevel > 0.85 ? Float(45 + 8 * t) : (y > stomach.center.1 + 10 * s ? -900 : Float(18 + 4 * t))
                return
            }
            for (loop, content) in bowel {
                let level = loop.level(x, y, z)
                if level < 1 { hu[n] = level > 0.8 ? Float(40 + 8 * t) : Float(content + 6 * t); return }
            }
            hu[n] = Float(-85 + 25 * t)   // mesenteric fat with strands
        }
        let image = Phantom.acquire(hu, grid: grid, blurVoxels: [0.7, 0.7, 0.5], noise: 9, clamp: -1024...3071,
                                    random: &random)
        let header = ImageHeader(datatype: .int16, dims: shape, zooms: grid.spacingMM, description: "TermLabel CT phantom \(seed)")
        return Phantom(image: Volume(grid: grid, voxels: image, header: header),
                       labels: LabelVolume(grid: grid, voxels: labels), labelNames: labelNames)
    }

    static func distanceToSegment(_ p: (Double, Double, Double), _ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
        let ab = (b.0 - a.0, b.1 - a.1, b.2 - a.2), ap = (p.0 - a.0, p.1 - a.1, p.2 - a.2)
        let length2 = ab.0 * ab.0 + ab.1 * ab.1 + ab.2 * ab.2
        let t = length2 > 0 ? min(1, max(0, (ap.0 * ab.0 + ap.1 * ab.1 + ap.2 * ab.2) / length2)) : 0
        let d = (ap.0 - t * ab.0, ap.1 - t * ab.1, ap.2 - t * ab.2)
        return (d.0 * d.0 + d.1 * d.1 + d.2 * d.2).squareRoot()
    }
}
