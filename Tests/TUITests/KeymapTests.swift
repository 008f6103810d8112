// The keymap as users see it: docs/keys.md is the generated table, key names read back, and keys.toml overrides
// replace keys without leaving a key on two commands; a bad file is an error naming it.

import Cells
import Foundation
import TUI
import XCTest

final class KeymapTests: XCTestCase {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDocsKeysIsTheGeneratedTable() throws {
        let committed = try String(contentsOf: repository.appendingPathComponent("docs/keys.md"), encoding: .utf8)
        XCTAssertEqual(committed, Keymap.defaults.markdown,
                       "docs/keys.md is stale: run `swift run termlabel keys --defaults --markdown > docs/keys.md`")
        for command in Command.allCases { XCTAssertTrue(committed.contains("`\(command.rawValue)`"), command.rawValue) }
    }

    func testEveryKeyNameReadsBack() {
        for key in Keymap.defaults.bindings.keys {
            XCTAssertEqual(Keymap.key(named: Keymap.name(key)), key, Keymap.name(key))
        }
        XCTAssertEqual(Keymap.key(named: "ctrl-u"), .control("u"))
        XCTAssertEqual(Keymap.key(named: "pgdn"), .pageDown)
        XCTAssertNil(Keymap.key(named: "Ctrl-"))
        XCTAssertNil(Keymap.key(named: "F13"))
    }

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "keys-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testOverridesReplaceAndMoveKeys() throws {
        let path = try write("""
            # my keys
            segment = "R"
            undo = ["u", "Ctrl-U"]
            quit = "Q"
            axial = "r"
            """)
        let keymap = try Keymap.loading(overridesAt: path)
        XCTAssertEqual(keymap.keys(for: .segment), [.character("R")])
        XCTAssertEqual(keymap.bindings[.character("r")], .axial, "a key given in the file leaves its default command")
        XCTAssertEqual(keymap.keys(for: .axial), [.character("r")])
        XCTAssertEqual(Set(keymap.keys(for: .undo)), [.character("u"), .control("u")])
        XCTAssertEqual(keymap.keys(for: .quit), [.character("Q")], "Ctrl-C and q no longer quit")
        XCTAssertNil(keymap.bindings[.character("q")])
        XCTAssertEqual(keymap.bindings[.character("j")], .cursorDown, "commands not in the file keep their keys")
        XCTAssertEqual(keymap.helpLines.count, Command.allCases.count)
        XCTAssertEqual(try Keymap.loading(overridesAt: "/nonexistent/keys.toml").bindings, Keymap.defaults.bindings)
    }

    func testTheAppUsesTheUserKeys() throws {
        var state = AppState(folder: "/data", studies: [])
        state.keymap = try Keymap.loading(overridesAt: write(#"quit = "Q""#))
        XCTAssertEqual(Reducer.reduce(&state, .key(.character("q"))), [])
        XCTAssertTrue(state.running)
        XCTAssertEqual(Reducer.reduce(&state, .key(.character("Q"))), [.quit])
    }

    func testBadFilesNameTheFileAndTheProblem() throws {
        let cases: [(String, String)] = [
            (#"sgement = "R""#, #"no command "sgement""#),
            (#"segment = "Ctrl-Shift-X""#, #""Ctrl-Shift-X" is not a key"#),
            ("segment = \"R\"\nundo = \"R\"", #""R" is given to both segment and undo"#),
            ("segment = 3", "expected lines like"),
            ("segment = ", "expected lines like"),
            ("quit = []", "quit has no key left"),
            ("help = \"q\"\nquit = \"?\"\nsegment = [\"?\"]", #""?" is given to both"#),
            ("axial = [\"q\", \"Ctrl-C\"]", "quit has no key left"),
        ]
        for (text, reason) in cases {
            let path = try write(text)
            XCTAssertThrowsError(try Keymap.loading(overridesAt: path), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(path + ": "), message)
                XCTAssertTrue(message.contains(reason), message)
            }
        }
    }
}
