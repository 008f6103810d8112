// The study list of one folder: an SQLite database (WAL, one DatabasePool per file) with named, forward-only
// migrations, and methods named for what the app does with it. Several annotators' processes share it.

import Foundation
import GRDB
import Volume

public enum DatastoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAFolder(String)
    /// A folder that exists but cannot be listed (its permissions): read as empty, it would mark every study missing.
    case unreadableFolder(path: String, reason: String)
    case cannotCreate(path: String, reason: String)
    case unknownStudy(String)
    case conflict(study: String, tag: String, basedOn: Int?, latest: Int, author: String)
    case claimed(study: String, by: String, since: Date, until: Date)
    case notClaimed(study: String)
    case readOnly(String)
    /// A name that would become part of a path and cannot (a separator, "..", a control character).
    case badName(kind: String, name: String, reason: String)
    /// A review decision on a version that is no longer the newest.
    case staleReview(study: String, version: Int, newest: Int, author: String)
    /// A version already accepted or rejected by someone.
    case alreadyDecided(study: String, version: Int, verdict: String, by: String, at: Date)
    case nothingToReview(String)
    case unknownModel(String)

    public var description: String {
        switch self {
        case .notAFolder(let path): "\(path): not a folder"
        case .unreadableFolder(let path, let reason): "\(path): cannot read the folder (\(reason)); the study list was left as it was"
        case .cannotCreate(let path, let reason): "\(path): cannot create the study list: \(reason)"
        case .unknownStudy(let id): "no study \"\(id)\" in this folder"
        case .conflict(let study, let tag, let basedOn, let latest, let author):
            "\(study): the \(tag) label was saved as version \(latest) by \(author) after version "
                + "\(basedOn.map(String.init) ?? "none"), which this one started from; nothing was overwritten"
        case .claimed(let study, let by, let since, let until):
            "\(study) is open in \(by) since \(ISO8601DateFormatter().string(from: since)) (held until "
                + "\(ISO8601DateFormatter().string(from: until)) unless renewed); open it read-only or wait"
        case .notClaimed(let study): "\(study): you do not hold this study"
        case .readOnly(let path): "\(path): the folder is read-only, labels cannot be saved there"
        case .badName(let kind, let name, let reason): "\(kind) \(TerminalText.escaped(name)) \(reason)"
        case .staleReview(let study, let version, let newest, let author):
            "\(study): version \(version) was replaced by version \(newest) (\(author)) since it was shown; nothing was recorded, review the new one"
        case .alreadyDecided(let study, let version, let verdict, let by, let at):
            "\(study): version \(version) was already \(verdict) by \(by) at \(ISO8601DateFormatter().string(from: at)); nothing was recorded"
        case .nothingToReview(let study): "\(study) has no final label to review"
        case .unknownModel(let name): "no model \"\(TerminalText.escaped(name))\" in this folder (termlabel model list shows them)"
        }
    }
}

public final class AppDatabase: Sendable {
    public let writer: DatabasePool
    public let location: StoreLocation

    public init(location: StoreLocation) throws {
        do {
            try FileManager.default.createDirectory(atPath: location.dataFolder, withIntermediateDirectories: true)
        } catch {
            throw DatastoreError.cannotCreate(path: location.dataFolder, reason: error.localizedDescription)
        }
        var configuration = Configuration()
        // Another annotator's process may be writing: wait for it rather than fail.
        configuration.busyMode = .timeout(15)
        configuration.prepareDatabase { db in
            // FULL: an edit journaled before a power cut survives it, not only a killed process.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            writer = try DatabasePool(path: location.databasePath, configuration: configuration)
        } catch {
            throw DatastoreError.cannotCreate(path: location.databasePath, reason: "\(error)")
        }
        self.location = location
        try AppDatabase.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the study list of a folder.
    public convenience init(folder: String) throws {
        try self.init(location: StoreLocation(folder: folder))
    }
}
