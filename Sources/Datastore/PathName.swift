// Names that become parts of paths (image ids, label tags): one component inside the study folder, nothing that
// climbs out of it or that a terminal would take for a command.

import Volume

public enum PathName {
    /// Refuses a name with a path separator, "." or "..", a leading dot, or a control character.
    public static func check(_ name: String, as kind: String) throws {
        let reason: String? = if name.isEmpty { "is empty" }
            else if name.contains("/") || name.contains("\\") { "contains a path separator" }
            else if name == "." || name == ".." || name.hasPrefix(".") { "starts with a dot" }
            else if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { "contains a control character" }
            else { nil }
        if let reason { throw DatastoreError.badName(kind: kind, name: name, reason: reason) }
    }
}
