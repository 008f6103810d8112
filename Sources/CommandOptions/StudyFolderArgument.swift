// The study folder that most verbs work on, and its study list opened the one way they all need it.

import ArgumentParser
import Datastore

public struct StudyFolderArgument: ParsableArguments {
    public init() {}

    @Argument(help: "A study folder.")
    public var folder: String

    /// The folder's study list; `synced` first brings it up to date with the images and labels on disk.
    public func database(synced: Bool = true) throws -> AppDatabase {
        let database = try AppDatabase(folder: folder)
        if synced { try database.sync() }
        return database
    }
}
