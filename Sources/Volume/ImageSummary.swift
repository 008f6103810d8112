// What `termlabel info` reports of a file: header facts plus statistics over every voxel of every volume.

public struct ImageSummary: Sendable {
    public var path: String
    public var header: ImageHeader
    public var grid: Grid
    public var statistics: IntensityStatistics
    /// 1st and 99th percentiles of the finite values.
    public var percentile1: Double
    public var percentile99: Double

    public var axcodes: String { grid.orientation.axcodes }

    /// Shape after closest-canonical (RAS) reorientation, extra dimensions kept.
    public var canonicalShape: [Int] {
        let orientation = grid.orientation
        var shape = header.dims
        for (voxelAxis, direction) in orientation.axes.enumerated() where voxelAxis < header.dims.count {
            shape[direction.axis.rawValue] = header.dims[voxelAxis]
        }
        return shape
    }

    public init(path: String) throws {
        let file = try NiftiFile.open(path)
        self.path = path
        header = file.header
        grid = file.grid
        var statistics = IntensityStatistics()
        var all = [Float]()
        let (count, overflow) = file.grid.voxelCount.multipliedReportingOverflow(by: file.volumeCount)
        try MemoryBudget.check(overflow ? nil : count, of: MemoryLayout<Float>.size, reading: path)
        all.reserveCapacity(count)
        for index in 0..<file.volumeCount {
            try file.readVoxels(volume: index) { chunk, _ in
                statistics.add(chunk)
                all.append(contentsOf: chunk)
            }
        }
        self.statistics = statistics
        let percentiles = Percentiles.of(all, [1, 99])
        percentile1 = percentiles[0]
        percentile99 = percentiles[1]
    }
}
