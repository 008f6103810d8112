// `termlabel keys`: every command and its keys (the user's keys.toml applied), as the help overlay shows them or as
// the Markdown of docs/keys.md.

import App
import ArgumentParser
import Foundation
import TUI

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List every command and its keys (with your ~/.config/termlabel/keys.toml applied)."
    )

    @Flag(help: "Markdown table, as in docs/keys.md.")
    var markdown = false

    @Flag(help: "The default keys, without your keys.toml.")
    var defaults = false

    func run() throws {
        var keymap = Keymap.defaults
        if !defaults {
            keymap = try Keymap.loading(overridesAt: UserFolders.keysFile())
        }
        print(markdown ? keymap.markdown : keymap.helpLines.joined(separator: "\n"), terminator: markdown ? "" : "\n")
    }
}
