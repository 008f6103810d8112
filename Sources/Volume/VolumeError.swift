// Typed errors for everything that can go wrong with an image file. Each names the file and the reason in
// one line, which the CLI prints as is.

public enum VolumeError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case notNifti(path: String, reason: String)
    case invalidHeader(path: String, reason: String)
    case unsupportedDatatype(path: String, code: Int)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    case corruptCompression(path: String, reason: String)
    case volumeIndexOutOfRange(path: String, index: Int, count: Int)
    case gridMismatch(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    /// A file of the annotator's (clicks, points) that does not hold what it should.
    case malformed(path: String, reason: String)
    /// Reading it would take more memory than the budget allows.
    case tooLarge(path: String, reason: String)

    public var path: String {
        switch self {
        case .fileNotFound(let path), .unreadable(let path, _), .notNifti(let path, _), .invalidHeader(let path, _),
             .unsupportedDatatype(let path, _), .truncated(let path, _, _), .corruptCompression(let path, _),
             .volumeIndexOutOfRange(let path, _, _), .gridMismatch(let path, _), .writeFailed(let path, _),
             .malformed(let path, _), .tooLarge(let path, _):
            path
        }
    }

    public var reason: String {
        switch self {
        case .fileNotFound: "no such file"
        case .unreadable(_, let reason): "cannot read: \(reason)"
        case .notNifti(_, let reason): "not a NIfTI file: \(reason)"
        case .invalidHeader(_, let reason): "impossible NIfTI header: \(reason)"
        case .unsupportedDatatype(_, let code): "unsupported NIfTI datatype code \(code)"
        case .truncated(_, let expected, let actual):
            "truncated: the header promises \(expected) bytes of voxel data, the file holds \(actual)"
        case .corruptCompression(_, let reason): "broken gzip stream: \(reason)"
        case .volumeIndexOutOfRange(_, let index, let count): "volume \(index) asked for, the file has \(count)"
        case .gridMismatch(_, let reason): "grid mismatch: \(reason)"
        case .writeFailed(_, let reason): "cannot write: \(reason)"
        case .malformed(_, let reason): reason
        case .tooLarge(_, let reason): "too large: \(reason)"
        }
    }

    public var description: String { "\(path): \(reason)" }
}
