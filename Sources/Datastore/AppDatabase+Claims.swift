// Claims: a study opened for editing is held by one annotator (user, host, process) until the claim expires;
// it is renewed while they work. Others see who holds it, may open it read-only, or take over once it expired.

import Foundation
import GRDB

public struct Annotator: Sendable, Equatable {
    public var user: String
    public var host: String
    public var pid: Int32

    public init(user: String, host: String, pid: Int32) {
        self.user = user
        self.host = host
        self.pid = pid
    }

    /// This process: $USER (else the account name), the host name, the process id.
    public static var current: Annotator {
        let environment = ProcessInfo.processInfo.environment
        let account = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        return Annotator(user: environment["USER"] ?? environment["LOGNAME"] ?? account ?? "uid \(getuid())",
                         host: ProcessInfo.processInfo.hostName, pid: getpid())
    }
}

extension AppDatabase {
    public static let defaultClaimSeconds: TimeInterval = 30 * 60

    /// Claims a study for `annotator`: renews the claim of the same process, takes over an expired one, and takes
    /// back the annotator's own claim whose process is gone from this machine (a crash, a dropped SSH session). A
    /// claim of another live process is refused, whoever its user: two windows on one study would overwrite each
    /// other's work.
    @discardableResult
    public func claim(_ imageId: String, by annotator: Annotator, for seconds: TimeInterval = defaultClaimSeconds,
                      now: Date = Date()) throws -> Claim {
        let study = try study(imageId)
        return try writer.write { db in
            let held = try Claim.fetchOne(db, key: study.id!)
            let mine = held.map { $0.user == annotator.user && $0.host == annotator.host && $0.pid == annotator.pid } ?? false
            let leftBehind = held.map { $0.user == annotator.user && $0.processIsGone } ?? false
            if let held, !mine, !leftBehind, !held.isExpired(at: now) {
                throw DatastoreError.claimed(study: imageId, by: held.holder, since: held.claimedAt, until: held.expiresAt)
            }
            let claim = Claim(studyId: study.id!, user: annotator.user, host: annotator.host, pid: annotator.pid,
                              claimedAt: mine ? held!.claimedAt : now, expiresAt: now.addingTimeInterval(seconds))
            try claim.save(db)
            // Handed to an annotator: random picks favour the studies served longest ago.
            try db.execute(sql: "UPDATE study SET lastServedAt = ? WHERE id = ?", arguments: [now, study.id!])
            try AppDatabase.refreshStatuses(db)
            return claim
        }
    }

    /// The claim on a study, expired or not.
    public func claim(of imageId: String) throws -> Claim? {
        let study = try study(imageId)
        return try writer.read { db in try Claim.fetchOne(db, key: study.id!) }
    }

    public func releaseClaim(_ imageId: String, by annotator: Annotator) throws {
        let study = try study(imageId)
        try writer.write { db in
            if let held = try Claim.fetchOne(db, key: study.id!), held.user == annotator.user, held.host == annotator.host,
               held.pid == annotator.pid {
                try held.delete(db)
                try AppDatabase.refreshStatuses(db)
            }
        }
    }
}
