// The command line's one error policy: a mistake in the arguments is worded by the argument parser (with the
// usage); any other error is one line on standard error, "termlabel: " and what went wrong, and exit status 1.

import ArgumentParser
import Foundation
import Volume

public func printError(_ message: String) {
    FileHandle.standardError.write(Data(("termlabel: " + message + "\n").utf8))
}

extension ParsableCommand {
    /// Parses the arguments, runs the verb, and applies the policy to whatever it throws.
    public static func mainApplyingErrorPolicy(_ arguments: [String]? = nil) -> Never {
        var command: ParsableCommand
        do {
            var arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
            try takeMemoryLimit(from: &arguments)
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
            exit(withError: nil)
        } catch where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // Help, version, exit codes and validation, some of them thrown by the parser's own verbs (`help`).
            exit(withError: error)
        } catch {
            printError("\(error)")
            exit(withError: ExitCode.failure)
        }
    }
}

/// `--max-memory SIZE` anywhere on the line, for every verb that reads images: the memory one image may take.
func takeMemoryLimit(from arguments: inout [String]) throws {
    while let n = arguments.firstIndex(where: { $0 == "--max-memory" || $0.hasPrefix("--max-memory=") }) {
        let inline = arguments[n].hasPrefix("--max-memory=")
        let value = inline ? String(arguments[n].dropFirst("--max-memory=".count)) : (n + 1 < arguments.count ? arguments[n + 1] : "")
        guard let bytes = MemoryBudget.parse(value) else {
            throw ValidationError("--max-memory takes a size such as 4G, 512M or a byte count, got \"\(value)\"")
        }
        MemoryBudget.bytes = bytes
        arguments.removeSubrange(n...(inline ? n : min(n + 1, arguments.count - 1)))
    }
}
