// Click models for images of any kind, shipped with TermLabel under samples/models (trained on synthetic studies
// with `termlabel train --synthetic`; samples/models/README.md gives the recipe). A folder with no model of a
// DeepGrow kind uses them, registered as "<kind>-generic", until its own models score better; training there starts
// from them.

import Datastore
import Foundation
import Learning

public struct GenericModels: Sendable {
    /// The folder holding `<kind>-generic.safetensors`; nil: there are none.
    public let folder: String?

    public init(folder: String?) {
        self.folder = folder
    }

    /// The installation's (`UserFolders.genericModels`).
    public static let shipped = GenericModels(folder: UserFolders.genericModels())

    public static func fileName(_ kind: ModelKind) -> String { "\(kind.rawValue)-generic.safetensors" }

    /// The generic weights of `kind`, if shipped.
    public func weights(_ kind: ModelKind) -> String? {
        guard kind.isDeepGrow, let folder else { return nil }
        let path = folder + "/" + GenericModels.fileName(kind)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

extension ModelRecord {
    /// The generic models have seen no real image: their 3D answers are settled with the seeds' own likelihood,
    /// their probability beside it. A model trained (or imported) for the folder knows its studies' look.
    public var settlingLikelihood: SettlingLikelihood { origin == .generic ? .seeds : .model }
}
