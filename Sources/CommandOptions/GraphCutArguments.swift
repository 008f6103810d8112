// The graph cut's settings as command-line options, shared by `segment` and `eval scribbles|clicks`.

import ArgumentParser
import Foundation
import Segmenters

public struct GraphCutArguments: ParsableArguments {
    public init() {}

    @Option(help: "Likelihood: kde (seed densities, background unmixed from the region), forest (kde with a random forest on a filter bank, trained on the seeds), histogram or gmm.")
    public var method = GraphCutOptions().method.rawValue

    @Option(help: ArgumentHelp("Smoothness weight λ (default: \(String(format: "%g", GraphCutOptions().lambda)) with clicks, \(String(format: "%g", GraphCutOptions().strokeLambda)) where a structure is stroked and the method is kde or forest).", valueName: "lambda"))
    public var lambda: Float?

    @Option(help: "Intensity difference σ (on the [0, 1] window) where neighbours stop holding together.")
    public var sigma: Float = GraphCutOptions().sigma

    @Option(help: "Margin around the seeds' bounding box, in millimetres.")
    public var roiMargin: Double = GraphCutOptions().roiMarginMM

    @Option(help: "While the answer reaches the region's faces, the margin doubles up to this (mm).")
    public var maxMargin: Double = GraphCutOptions().maximumMarginMM

    @Option(help: "Seed competition: weight of the geodesic distance beyond the nearest seeded class's (0: none).")
    public var geodesicWeight: Float = GraphCutOptions().geodesicWeight

    @Option(help: "Geodesic distance (mm-equivalents) that costs the weight in nats.")
    public var geodesicScale: Float = GraphCutOptions().geodesicScaleMM

    @Option(help: "A label pays one nat per this many mm-equivalents of geodesic distance from its seeds (0: nothing).")
    public var geodesicReach: Float = GraphCutOptions().geodesicReachMM

    @Option(help: "Millimetres that a change across the whole intensity window is worth on a geodesic path.")
    public var geodesicContrast: Float = GraphCutOptions().geodesicContrast

    @Option(help: "With --method forest: the forest's share of the data term (0–1), the rest the seed densities'.")
    public var forestWeight: Float = GraphCutOptions().forestWeight

    public func validate() throws {
        guard IntensityModel.Kind(rawValue: method) != nil else {
            throw ValidationError("--method is one of " + IntensityModel.Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard (0...1).contains(forestWeight) else { throw ValidationError("--forest-weight is 0–1") }
        guard lambda ?? 0 >= 0, sigma > 0, roiMargin >= 0, maxMargin >= 0, geodesicWeight >= 0, geodesicScale > 0, geodesicContrast >= 0, geodesicReach >= 0 else {
            throw ValidationError("--lambda, --roi-margin, --max-margin, --geodesic-weight, --geodesic-reach and --geodesic-contrast are ≥ 0; --sigma and --geodesic-scale > 0")
        }
    }

    public var options: GraphCutOptions {
        var options = GraphCutOptions()
        options.method = IntensityModel.Kind(rawValue: method) ?? options.method
        if let lambda {
            options.lambda = lambda
            options.strokeLambda = lambda
        }
        options.sigma = sigma
        options.roiMarginMM = roiMargin
        options.maximumMarginMM = max(maxMargin, roiMargin)
        options.geodesicWeight = geodesicWeight
        options.geodesicScaleMM = geodesicScale
        options.geodesicContrast = geodesicContrast
        options.geodesicReachMM = geodesicReach
        options.forestWeight = forestWeight
        return options
    }
}
