// How the app draws on this terminal, as command-line options shared by the app's verbs and `doctor`.

import ArgumentParser
import Cells

public struct TerminalArguments: ParsableArguments {
    public init() {}

    @Option(help: "Colour depth: truecolor, 256 or 16 (default: what the terminal says; see README).")
    public var color: String?

    @Option(help: "Slices as pixels: kitty, sixel, iterm2, or cells (half blocks); default: what the terminal answers (termlabel doctor says).")
    public var graphics: String?

    public func validate() throws {
        if let color, ColorDepth(rawValue: color) == nil { throw ValidationError("--color is truecolor, 256 or 16") }
        if let graphics, GraphicsMode(rawValue: graphics) == nil { throw ValidationError("--graphics is kitty, sixel, iterm2 or cells") }
    }
}
