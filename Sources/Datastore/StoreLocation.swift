// Where a folder's study list lives: <folder>/.termlabel/ when the folder is writable, else under
// $XDG_DATA_HOME/termlabel/ (default ~/.local/share/termlabel/) in a folder named for the folder's absolute path.

import Foundation

public struct StoreLocation: Sendable, Equatable {
    /// The study folder (absolute).
    public var folder: String
    /// Holds studies.sqlite and the label history.
    public var dataFolder: String
    /// True when the study list sits inside the study folder.
    public var insideFolder: Bool

    public var databasePath: String { dataFolder + "/studies.sqlite" }
    public var historyFolder: String { dataFolder + "/history" }
    public var labelsFolder: String { folder + "/labels" }

    /// `writable` overrides the check of the folder (for tests: root may write anywhere).
    public init(folder: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                writable: Bool? = nil) throws {
        let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatastoreError.notAFolder(folder)
        }
        self.folder = absolute
        let inside = absolute + "/.termlabel"
        if writable ?? (FileManager.default.isWritableFile(atPath: absolute) || FileManager.default.isWritableFile(atPath: inside)) {
            dataFolder = inside
            insideFolder = true
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
            // Readable and unique: the path's last component and a hash of the whole path.
            let name = URL(fileURLWithPath: absolute).lastPathComponent + "-" + ContentHash.of(Data(absolute.utf8))
            dataFolder = base + "/termlabel/" + name
            insideFolder = false
        }
    }
}

/// FNV-1a (64-bit) of some bytes, as hex: cheap and stable, to recognise files.
public enum ContentHash {
    public static func of(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    public static func ofFile(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map(of)
    }
}
