// Where the app finds the user's settings and the bundled files: ~/.config/termlabel (or XDG_CONFIG_HOME) for keys
// and themes, the repository's themes/, samples/ and samples/models/ unless TERMLABEL_THEMES, TERMLABEL_SAMPLES or
// TERMLABEL_MODELS say otherwise.

import Foundation

public enum UserFolders {
    /// The user's settings folder, ~/.config/termlabel (or under XDG_CONFIG_HOME).
    public static func config(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config") + "/termlabel"
    }

    /// The user's key overrides.
    public static func keysFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        config(environment: environment) + "/keys.toml"
    }

    /// Where themes are looked up: the user's folder first, then the bundled ones.
    public static func themeFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        [config(environment: environment) + "/themes", environment["TERMLABEL_THEMES"] ?? bundled("themes")]
    }

    /// The bundled samples, copied once to a workspace (under XDG_DATA_HOME) so that the repository stays clean.
    public static func sampleWorkspace(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        let workspace = base + "/termlabel/samples"
        let source = environment["TERMLABEL_SAMPLES"] ?? bundled("samples")
        let manager = FileManager.default
        for set in ["ct-abdomen", "mri-head"] where !manager.fileExists(atPath: workspace + "/" + set) {
            guard manager.fileExists(atPath: source + "/" + set) else { throw MissingSamples(folder: source) }
            try manager.createDirectory(atPath: workspace, withIntermediateDirectories: true)
            try manager.copyItem(atPath: source + "/" + set, toPath: workspace + "/" + set)
        }
        return workspace
    }

    /// The folder of the shipped generic models; nil when TERMLABEL_MODELS is set and empty (none).
    public static func genericModels(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let named = environment["TERMLABEL_MODELS"] else { return bundled("samples") + "/models" }
        return named.isEmpty ? nil : named
    }

    public struct MissingSamples: Error, CustomStringConvertible {
        public var folder: String
        public var description: String { "no samples at \(folder) (set TERMLABEL_SAMPLES, or give a folder)" }
    }

    /// A folder at the top of the repository this was built from.
    static func bundled(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }
}
