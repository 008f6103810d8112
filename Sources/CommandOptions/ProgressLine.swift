// A progress line for long verbs (training): rewritten in place on a terminal, printed now and then into a log.

import Foundation

/// One line on standard error, rewritten in place when it is a terminal, else printed every few seconds.
public final class ProgressLine {
    public init() {}

    private let terminal = isatty(2) == 1
    private var last = Date.distantPast

    public func show(_ text: String) {
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else if Date().timeIntervalSince(last) > 5 {
            FileHandle.standardError.write(Data((text + "\n").utf8))
            last = Date()
        }
    }

    public func finish(_ text: String) {
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if !text.isEmpty { print(text) }
        // Checkpoint lines matter when the output goes to a log that is read while training runs.
        fflush(nil)
    }
}
