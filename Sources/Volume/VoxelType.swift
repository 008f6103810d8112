// The on-disk voxel datatypes TermLabel reads and writes, with their NIfTI codes.

public enum VoxelType: Int32, Sendable, CaseIterable, Codable {
    case uint8 = 2
    case int16 = 4
    case int32 = 8
    case float32 = 16
    case float64 = 64
    case int8 = 256
    case uint16 = 512
    case uint32 = 768
    case int64 = 1024
    case uint64 = 1280

    public var niftiCode: Int32 { rawValue }

    public var byteCount: Int {
        switch self {
        case .uint8, .int8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// The name users know from numpy and nibabel.
    public var name: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .int16: "int16"
        case .uint16: "uint16"
        case .int32: "int32"
        case .uint32: "uint32"
        case .int64: "int64"
        case .uint64: "uint64"
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    public init?(name: String) {
        guard let found = VoxelType.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var isInteger: Bool { self != .float32 && self != .float64 }

    /// Range of values the type can hold, for clamping on write.
    public var representableRange: ClosedRange<Double> {
        switch self {
        case .uint8: 0...255
        case .int8: -128...127
        case .int16: -32768...32767
        case .uint16: 0...65535
        case .int32: -2_147_483_648...2_147_483_647
        case .uint32: 0...4_294_967_295
        case .int64: -9.223372036854775e18...9.223372036854775e18
        case .uint64: 0...1.8446744073709552e19
        case .float32: -Double(Float.greatestFiniteMagnitude)...Double(Float.greatestFiniteMagnitude)
        case .float64: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        }
    }
}
