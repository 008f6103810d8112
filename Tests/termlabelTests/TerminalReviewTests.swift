// Review mode in tmux with key presses only: three studies accepted, rejected with a comment and flagged, the
// decisions in `termlabel review --json`, and the comment shown to the annotator who opens the rejected study.

import Foundation
import XCTest

extension TerminalEndToEndTests {
    func testReviewingThreeStudiesWithKeysOnly() throws {
        let samples = CLITests.repository.appendingPathComponent("samples/ct-abdomen")
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: folder + "/ct_004.nii.gz")
        for id in ["ct_001", "ct_002", "ct_003"] {
            for file in ["\(id).nii.gz", "labels/final/\(id).nii.gz"] {
                try FileManager.default.copyItem(atPath: samples.appendingPathComponent(file).path, toPath: folder + "/" + file)
            }
        }
        try FileManager.default.copyItem(atPath: samples.appendingPathComponent("labels.json").path, toPath: folder + "/labels.json")
        start(verb: "review")
        waitFor("Review queue (3)")
        waitFor("ct_001 final v1 by disk, 5 structures")
        send("Y")
        waitFor("ct_001 v1 accepted; ct_002 final v1 by disk")
        send("X")
        waitFor("reject ct_002 v1, why")
        send("-l", "kidney missing")
        send("Enter")
        waitFor("ct_002 v1 rejected; ct_003 final v1 by disk")
        send("F")
        waitFor("flag ct_003 v1: level 1–3, then a comment")
        send("-l", "2 lesion edge")
        send("Enter")
        waitFor("ct_003 v1 flagged; nothing left in the queue after it")
        send("q")
        restartServer()

        let queue = try runTermlabel(["review", folder, "--json", "--status", "all"])
        let rows = try queue.out.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let decisions = rows.map { ($0["decisions"] as? [[String: Any]])?.map { [$0["decision"] as? String, $0["reviewer"] as? String, $0["comment"] as? String] } }
        XCTAssertEqual(decisions, [[["accepted", "e2e", ""]], [["rejected", "e2e", "kidney missing"]], [["flagged", "e2e", "lesion edge"]]], queue.out + queue.err)
        XCTAssertEqual((rows[2]["decisions"] as? [[String: Any]])?.first?["level"] as? Int, 2)

        // The annotator opens the rejected study and is told why it came back.
        start()
        waitFor("Studies (3)")
        send("j")
        send("Enter")
        waitFor("ct_002: v1 sent back by e2e: kidney missing")
        send("q")
    }
}
