// Review mode on the memory console: the queue and the figures beside the three views, one key per decision, the
// next study opened after each, and the rejected study's comment shown to whoever opens it next.

@testable import App
import Cells
import Datastore
import Foundation
import TUI
import Volume
import XCTest

extension AppScreenTests {
    func testReviewingTwoStudiesWithKeysOnly() throws {
        try writeLabel(of: "ct_001")
        try writeLabel(of: "ct_002")
        let user = ProcessInfo.processInfo.environment["USER"]
        setenv("USER", "rev", 1)
        defer { if let user { setenv("USER", user, 1) } else { unsetenv("USER") } }
        let (app, _, database) = try makeApp(width: 120, height: 24)
        defer { app.close() }
        // The day the labels were found is today: the one line that changes from run to run.
        func masked(_ screen: [String]) -> [String] {
            screen.map { $0.replacingOccurrences(of: #"saved \d{4}-\d\d-\d\d \d\d:\d\d"#, with: "saved (the day)     ", options: .regularExpression) }
        }
        assertScreen(masked(press(app, .character("E"))), """
         Review queue (2)          │ axial 7/10    A               coronal 20/40 S                sagittal 25/4 S               
         ct_001        pending     │                                                                                            
         ct_002        pending     │                                                                                            
                                   │                                                                                            
                                   │                                                                                            
                                   │                                                                                            
                                   │                                                                                            
        ───────────────────────────│             ▀▀▀                                                                            
         final v1 by disk          │        ▀▀▀▀▀▀▀▀▀▀▀▀▀▀             ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀              ▀▀▀▀▀▀▀▀▀▀▀▀▀▀        
         saved (the day)         │      ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀           ▀▀  ▀▀▀▀▀▀ ▀▀▀▀▀▀▀▀▀▀              ▀ ▀▀▀▀▀▀▀▀▀ ▀▀        
         active 0 min              │     ▀▀ ▀▀▀▀▀▀▀ ▀▀▀▀▀▀▀▀       ▀▀▀▀▀▀ ▀▀▀▀▀▀▀▀ ▀▀▀▀▀▀▀▀▀▀▀▀▀  ▀▀▀▀▀▀▀▀▀ ▀▀▀▀▀▀▀▀▀ ▀▀▀▀▀▀▀▀▀ 
         0 clicks, 0 model calls   │R▀▀▀▀▀▀ ▀▀▀ ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀LR    ▀▀ ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀    LA        ▀ ▀▀▀▀▀▀ ▀▀▀▀        P
         no model output kept      │      ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀           ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀              ▀▀▀▀▀▀▀▀ ▀▀ ▀         
         1 liver                   │       ▀▀▀▀▀▀▀  ▀▀▀▀▀▀▀            ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀              ▀▀▀▀▀▀▀▀▀▀▀▀▀         
           823.3 mL, 1072 vx       │           ▀▀▀▀▀▀▀                                                                          
           1 piece, slices 1–10    │                                                                                            
                                   │                                                                                            
                                   │                                                                                            
                                   │                                                                                            
                                   │                                                                                            
                                   │                                                                                            
                                   │               P                             I                              I               
         ct_001 │ axial 7/10 │ voxel 24,19,6 │ RAS 36,-4,18 mm │ 137 label 1 │ W/L 400/40 │ 1 liver │ navigate │ outline │ truec
        ct_001 final v1 by disk, 1 structure                                                                                    
        """)
        let accepted = press(app, .character("Y"))
        XCTAssertEqual(accepted[1...2], [" ct_001        accepted    │" + String(repeating: " ", count: 92), " ct_002        pending     │" + String(repeating: " ", count: 92)])
        XCTAssertEqual(accepted[23].trimmingCharacters(in: .whitespaces), "ct_001 v1 accepted; ct_002 final v1 by disk, 1 structure")
        XCTAssertTrue(accepted[22].hasPrefix(" ct_002 │"), "the next study of the queue is open")

        let rejected = press(app, .character("X"), .character("n"), .character("o"), .enter)
        XCTAssertTrue(rejected[2].hasPrefix(" ct_002        rejected    │"))
        XCTAssertTrue(rejected[13].hasPrefix(" rejected by rev: no       │"), "the panel shows the decision")
        XCTAssertEqual(rejected[23].trimmingCharacters(in: .whitespaces), "ct_002 v1 rejected; nothing left in the queue after it")

        // Out of review mode, the annotator's list: ct_002 is in progress again and says why when opened.
        let list = press(app, .character("E"))
        XCTAssertTrue(list[0].hasPrefix(" Studies (2)"))
        XCTAssertTrue(list[2].hasPrefix(" ct_002        in progress │"), list[2])
        let reopened = press(app, .enter)
        XCTAssertEqual(reopened[23].trimmingCharacters(in: .whitespaces), "ct_002: v1 sent back by rev: no")
        // Outside review, z finds the liver's first slice from the labels themselves.
        let liver = phantoms["ct_002"]!.labels
        let first = (0..<liver.shape[2]).first { k in (0..<liver.shape[1]).contains { j in (0..<liver.shape[0]).contains { liver[$0, j, k] == 1 } } }!
        XCTAssertEqual(press(app, .character("z"))[23].trimmingCharacters(in: .whitespaces), "liver: first slice, \(first + 1) of 10 (z: next)")
        XCTAssertEqual(try database.reviewDecisions("ct_001").map(\.decision), [.accepted])
        XCTAssertEqual(try database.reviewDecisions("ct_002").map { [$0.decision.rawValue, $0.reviewer, $0.comment] }, [["rejected", "rev", "no"]])
    }

    /// The automatic model's answer is kept as labels/original; the reviewer sees the final label against it and
    /// D shows where they differ.
    func testTheModelsOriginalIsKeptAndReviewComparesWithIt() throws {
        let (app, _, database) = try makeApp(width: 120, height: 24)
        defer { app.close() }
        try registerSmallModel(ModelShelf(database: database), kind: .auto, seed: 11, at: Date())
        press(app, .enter)
        let segmented = press(app, .character("A"))
        XCTAssertTrue(segmented[23].hasPrefix("automatic segmentation (auto-11, kept as original v1) in "), segmented[23])
        let original = try XCTUnwrap(database.readLabel("ct_001", tag: "original"))
        XCTAssertEqual(try database.labelVersions("ct_001", tag: "original").map(\.author), ["auto-11"])
        // The annotator clears the first label and submits.
        press(app, .character("C"), .character("S"))
        let final = try XCTUnwrap(database.readLabel("ct_001"))
        let removed = original.count(of: 1)
        XCTAssertGreaterThan(removed, 0, "the model labelled something as label 1")
        XCTAssertEqual(final.count(of: 1), 0)

        let review = press(app, .character("E"))
        XCTAssertTrue(review.contains { $0.hasPrefix(" model: auto-11") }, review.joined(separator: "\n"))
        XCTAssertTrue(review.contains { $0.hasPrefix("   removed in this version") }, "label 1 is listed as removed")
        let difference = press(app, .character("D"))
        XCTAssertEqual(difference[23].trimmingCharacters(in: .whitespaces),
                       "difference from the original (auto-11): \(removed) voxels; colour 1 only here, colour 2 only there (D hides)")
        XCTAssertEqual(app.state.review?.difference?.count(of: 2), removed, "every removed voxel shows as only in the original")
    }
}
