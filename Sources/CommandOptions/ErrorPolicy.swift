// The command line's one error policy: a mistake in the arguments is worded by the argument parser (with the
// usage); any other error is one line on standard error, "termlabel: " and what went wrong, and exit status 1.

import ArgumentParser
import Foundation

public func printError(_ message: String) {
    FileHandle.standardError.write(Data(("termlabel: " + message + "\n").utf8))
}

extension ParsableCommand {
    /// Parses the arguments, runs the verb, and applies the policy to whatever it throws.
    public static func mainApplyingErrorPolicy(_ arguments: [String]? = nil) -> Never {
        var command: ParsableCommand
        do {
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
