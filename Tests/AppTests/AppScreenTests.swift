// The whole app without a terminal: scripted keys on a memory console and a clock that stands still, the screens
// it draws compared line for line with the screens a user would see.

@testable import App
import Cells
import Datastore
import Foundation
import Learning
import Segmenters
import TUI
import Volume
import VolumeTesting
import XCTest

final class AppScreenTests: XCTestCase {
    var folder = ""
    var phantoms: [String: Phantom] = [:]

    /// Gives a study its phantom's liver as a final label (something to train on).
    func writeLabel(of id: String) throws {
        try FileManager.default.createDirectory(atPath: folder + "/labels/final", withIntermediateDirectories: true)
        var liver = phantoms[id]!.labels
        for n in liver.voxels.indices where liver.voxels[n] != 1 { liver.voxels[n] = 0 }
        try liver.write(to: folder + "/labels/final/\(id).nii.gz")
    }

    override func setUpWithError() throws {
        // The same path on every run: the screens show it.
        folder = NSTemporaryDirectory() + "termlabel-app-screens"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Two small CT phantoms: a study list, and an image that draws in a moment.
        for (id, seed) in [("ct_001", UInt64(3)), ("ct_002", UInt64(5))] {
            phantoms[id] = AbdomenPhantom.make(seed: seed, shape: [40, 40, 10], spacing: [8, 0, 12])
            try phantoms[id]!.image.write(to: folder + "/\(id).nii.gz")
        }
        try Data(#"{"labels": {"liver": 1, "spleen": 2}}"#.utf8).write(to: URL(fileURLWithPath: folder + "/labels.json"))
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: folder) }

    func makeApp(width: Int = 100, height: Int = 14) throws -> (AnnotationApp, MemoryConsole, AppDatabase) {
        let database = try AppDatabase(folder: folder)
        let state = try AppState.opening(database, report: try database.sync(), message: "? shows every key.")
        let console = MemoryConsole(width: width, height: height)
        let app = AnnotationApp(database: database, state: state, console: console, clock: ManualClock(),
                                trainingLength: TrainingLength(epochs: 1, steps: 2))
        return (app, console, database)
    }

    /// With pixels, each view is a picture at the cells' pixel size; when the terminal's font changes (the console
    /// reports another cell size), the next frame's pictures follow.
    func testPicturesFollowTheTerminalsCellSize() throws {
        let database = try AppDatabase(folder: folder)
        var state = AppState(folder: database.location.folder, studies: try StudyEntry.all(in: database, skipped: try database.sync().skippedImages, at: Date()))
        (state.graphics, state.cellPixels) = (.sixel, (8, 16))
        let console = MemoryConsole(width: 100, height: 30)
        let app = AnnotationApp(database: database, state: state, console: console, clock: ManualClock())
        press(app, .enter)
        let first = try XCTUnwrap(console.pictures.first)
        XCTAssertEqual([first.width, first.height], [first.rect.width * 8, first.rect.height * 16])
        XCTAssertTrue(console.frame.lines[first.rect.y + 2].dropFirst(first.rect.x).prefix(first.rect.width).allSatisfy { $0 == " " },
                      "the cells under the picture are blank")
        console.cellPixels = (10, 20)
        app.present()
        let second = try XCTUnwrap(console.pictures.first)
        XCTAssertEqual([second.width, second.height], [second.rect.width * 10, second.rect.height * 20])
    }

    /// Presses keys one by one, lets the work they start finish, and returns the screen.
    @discardableResult
    func press(_ app: AnnotationApp, _ keys: Key...) -> [String] {
        for key in keys { app.send(.key(key)) }
        XCTAssertTrue(app.settle(), "background work did not finish")
        app.present()
        return (app.console as! MemoryConsole).frame.lines
    }

    func assertScreen(_ actual: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let wanted = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if actual != wanted {
            XCTFail("the screen differs; it shows:\n" + actual.joined(separator: "\n"), file: file, line: line)
        }
    }

    /// The rows of an opened study's screen: `list` (three rows, left of the view), the axial slice of ct_001, and
    /// the status and message lines.
    func studyScreen(list: [String], status: String, message: String) -> String {
        let view = [
            "                           │ axial 6/10                         A                                   ",
            "                           │                                                                        ",
            "                           │                                                                        ",
            "                           │                                ▀▀▀▀▀▀▀                                 ",
            "                           │                             ▀▀▀▀▀▀▀▀▀▀▀▀▀                              ",
            "                           │ ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀ ",
            "                           │R                            ▀▀▀▀▀▀▀▀▀▀▀▀▀▀                            L",
            "                           │                              ▀▀▀▀▀▀▀▀▀▀▀▀                              ",
            "                           │                                  ▀▀▀▀                                  ",
            "                           │                                                                        ",
            "                           │                                                                        ",
            "                           │                                    P                                   ",
        ]
        return zip(list + Array(repeating: "", count: view.count - list.count), view).map { row, viewRow in
            row.isEmpty ? viewRow : row.padding(toLength: 27, withPad: " ", startingAt: 0) + viewRow.dropFirst(27)
        }.joined(separator: "\n") + "\n" + status.padding(toLength: 100, withPad: " ", startingAt: 0) + "\n"
            + message.padding(toLength: 100, withPad: " ", startingAt: 0)
    }

    static let list = [" Studies (2)", " ct_001        unlabeled", " ct_002        labeled"]

    /// What the study list could not take in is said where the slices go until a study opens, not only by
    /// `termlabel list`; as many problems as fit, and how many more there are.
    func testOpeningSaysWhatTheFolderHoldsThatWasNotTakenIn() throws {
        try writeLabel(of: "ct_002")
        let grid = phantoms["ct_001"]!.image.grid
        try LabelVolume(grid: Grid(shape: [40, 40, 9], affine: grid.affine)).write(to: folder + "/labels/final/ct_001.nii.gz")
        for id in (3...9).map({ "ct_00\($0)" }) { try LabelVolume(grid: grid).write(to: folder + "/labels/final/\(id).nii.gz") }
        let (app, _, _) = try makeApp()
        defer { app.close() }
        assertScreen(press(app), """
         Studies (2)               │                                                                        
         ct_001        unlabeled   │  Select a study and press Enter.  ? shows every key.                   
         ct_002        labeled     │                                                                        
                                   │  Not taken in (termlabel list says the same):                          
                                   │  • labels/final/ct_003.nii.gz: no image "ct_003" in the folder; skipped
                                   │  • labels/final/ct_004.nii.gz: no image "ct_004" in the folder; skipped
                                   │  • labels/final/ct_005.nii.gz: no image "ct_005" in the folder; skipped
                                   │  • labels/final/ct_006.nii.gz: no image "ct_006" in the folder; skipped
                                   │  • labels/final/ct_007.nii.gz: no image "ct_007" in the folder; skipped
                                   │  • labels/final/ct_008.nii.gz: no image "ct_008" in the folder; skipped
                                   │  • labels/final/ct_009.nii.gz: no image "ct_009" in the folder; skipped
                                   │  … and 1 more                                                          
         /tmp/termlabel-app-screens                                                                         
        ? shows every key.                                                                                  
        """)
    }

    func testTheStudyListAndTheHelpOverlay() throws {
        try writeLabel(of: "ct_002")
        let (app, _, _) = try makeApp()
        defer { app.close() }
        let start = press(app)
        assertScreen(start, """
         Studies (2)               │                                                                        
         ct_001        unlabeled   │  Select a study and press Enter.  ? shows every key.                   
         ct_002        labeled     │                                                                        
                                   │                                                                        
                                   │                                                                        
                                   │                                                                        
                                   │                                                                        
                                   │                                                                        
                                   │                                                                        
                                   │                                                                        
                                   │                                                                        
                                   │                                                                        
         /tmp/termlabel-app-screens                                                                         
        ? shows every key.                                                                                  
        """)
        assertScreen(press(app, .character("?")), """
         Studies (2)               │                                                                        
                                                                                                            
           Keys (Esc or ? closes)                                                                           
                                                                                                            
           Left h       move the cursor left                                                                
           Right l      move the cursor right                                                               
           Up k         move the cursor up                                                                  
           Down j       move the cursor down                                                                
           H            move the cursor left by 10                                                          
           L            move the cursor right by 10                                                         
                                                                                                            
                                   │                                                                        
         /tmp/termlabel-app-screens                                                                         
        ? shows every key.                                                                                  
        """)
        XCTAssertEqual(press(app, .character("?")), start, "? closes the overlay")
    }

    func testALabelSavedByAnotherProcessShowsInTheListWithoutARestart() throws {
        let (app, _, database) = try makeApp()
        defer { app.close() }
        app.noticeOutsideChanges()
        XCTAssertEqual(press(app)[1], " ct_001        unlabeled   │  Select a study and press Enter.  ? shows every key.                   ")
        // A Slicer user saves through `termlabel serve`, another process writing the same study list.
        var liver = phantoms["ct_001"]!.labels
        for n in liver.voxels.indices where liver.voxels[n] != 1 { liver.voxels[n] = 0 }
        let other = try AppDatabase(folder: folder)
        try other.saveLabel(liver, imageId: "ct_001", basedOn: nil, author: "slicer-bob")
        app.noticeOutsideChanges()
        let screen = press(app)
        XCTAssertTrue(screen[1...3].contains { $0.hasPrefix(" ct_001        labeled ") }, screen[1...3].joined(separator: "\n"))
        XCTAssertEqual(try database.newestLabel("ct_001")?.author, "slicer-bob")
    }

    func testOpeningAStudyAndMovingTheCursor() throws {
        try writeLabel(of: "ct_002")
        let (app, _, _) = try makeApp()
        defer { app.close() }
        assertScreen(press(app, .enter), studyScreen(
            list: Self.list,
            status: " ct_001 │ axial 6/10 │ voxel 20,20,5 │ RAS 4,4,6 mm │ 137 │ W/L 400/40 │ 1 liver │ navigate │ fill 4",
            message: "ct_001 opened"))
        assertScreen(press(app, .character("l"), .character("l"), .character("k")), studyScreen(
            list: Self.list,
            status: " ct_001 │ axial 6/10 │ voxel 18,21,5 │ RAS -12,12,6 mm │ 75 │ W/L 400/40 │ 1 liver │ navigate │ fill",
            message: "ct_001 opened"))
    }

    /// The view's rows (the list, status and message lines aside).
    func viewCells(_ console: MemoryConsole) -> [[Cell]] {
        (0..<12).map { y in (28..<100).map { console.frame[$0, y] } }
    }

    func testAClassicalClickUndoRedoAndSubmit() throws {
        let (app, console, _) = try makeApp()
        defer { app.close() }
        press(app, .enter)
        press(app, .character("l"), .character("l"), .character("k"))
        let before = viewCells(console)
        assertScreen(press(app, .character(" "), .character("r")), studyScreen(
            list: [" Studies (2)", " ct_001        unlabeled", " ct_002        unlabeled"],
            status: " ct_001 │ axial 6/10 │ voxel 18,21,5 │ RAS -12,12,6 mm │ 75 label 1 │ W/L 400/40 │ 1 liver │ navigat",
            message: "segmented in 0.0 s (u undoes it)"))
        let segmented = viewCells(console)
        let tinted = zip(before.joined(), segmented.joined()).filter { $0 != $1 }.count
        XCTAssertGreaterThan(tinted, 10, "the liver's cells take the label's colour")
        let labels = try XCTUnwrap(app.state.open?.draft.labels)
        let liver = phantoms["ct_001"]!.labels.voxels.map { $0 == 1 }
        XCTAssertGreaterThan(dice(labels.voxels.map { $0 == 1 }, liver), 0.6, "one click and r give the liver")

        XCTAssertEqual(press(app, .character("u")).last?.trimmingCharacters(in: .whitespaces), "undid the model")
        XCTAssertEqual(press(app, .character("u")).last?.trimmingCharacters(in: .whitespaces), "undid the click")
        XCTAssertTrue(viewCells(console) == before, "two undos give back the view before the click, colours and all")
        press(app, .character("U"))
        XCTAssertEqual(press(app, .character("U")).last?.trimmingCharacters(in: .whitespaces), "redid the model")
        XCTAssertTrue(viewCells(console) == segmented, "two redos give back the segmented view")

        assertScreen(press(app, .character("S")), studyScreen(
            list: [" Studies (2) by first", "#1 ct_002        unlabeled", " ct_001        labeled"],
            status: " ct_001 │ axial 6/10 │ voxel 18,21,5 │ RAS -12,12,6 mm │ 75 label 1 │ W/L 400/40 │ 1 liver │ navigat",
            message: "submitted as final version 1"))
        XCTAssertEqual(try LabelVolume(contentsOf: folder + "/labels/final/ct_001.nii.gz").voxels, labels.voxels,
                       "the submitted file holds the draft")
    }

    func testAClickAnsweredByAModelAndTrainingInTheBackground() throws {
        try writeLabel(of: "ct_002")
        let (app, console, database) = try makeApp()
        defer { app.close() }
        try registerSmallModel(ModelShelf(database: database), kind: .deepgrow3d, seed: 7, at: Date())
        let small = try database.model(named: "deepgrow3d-7")
        try database.rescore(small.id!, score: 0, metrics: ["dice": 0, "clicks": 5], validatedOn: ["ct_002"])
        press(app, .enter)
        press(app, .character("l"), .character("l"), .character("k"))
        assertScreen(press(app, .character("m"), .character("m"), .character(" ")), studyScreen(
            list: Self.list,
            status: " ct_001 │ axial 6/10 │ voxel 18,21,5 │ RAS -12,12,6 mm │ 75 label 1 │ W/L 400/40 │ 1 liver │ navigat",
            message: "DeepGrow 3D (deepgrow3d-7) in 0.00 s (u undoes it)"))
        assertScreen(press(app, .character("t")), studyScreen(
            list: Self.list,
            status: " ct_001 │ axial 6/10 │ voxel 18,21,5 │ RAS -12,12,6 mm │ 75 label 1 │ W/L 400/40 │ 1 liver │ navigat",
            message: "training deepgrow3d in the background on the submitted labels (t stops it)  ⚙ deepgrow3d: preparing…"))
        XCTAssertTrue(app.settle(training: true))
        app.present()
        let message = console.frame.lines.last!
        // The run's checkpoint serves only by a higher score than deepgrow3d-7's, which stands for a model whose
        // answers miss the structure altogether (0 on the study, as this run scores).
        XCTAssertNotNil(message.range(of: #"^training ended: deepgrow3d improved: 0\.000 → 0\.\d{3} \(deepgrow3d-20270115-080000-e1 serves\) *$"#,
                                      options: .regularExpression), message)
        XCTAssertEqual(try database.servingModel(kind: "deepgrow3d")?.name, "deepgrow3d-20270115-080000-e1")
    }

    func testTheLoopRunsTheConsolesEventsUntilQuit() throws {
        let (app, console, _) = try makeApp()
        console.append([.key(.character("?")), .key(.character("q"))])
        app.run()
        XCTAssertFalse(app.state.running)
        XCTAssertEqual(console.frame.lines[2].trimmingCharacters(in: .whitespaces), "Keys (Esc or ? closes)", "the last frame drawn shows the help")
    }

    func testAnUnreadableLabelOpensReadOnlyWithTheReason() throws {
        try writeLabel(of: "ct_002")
        let (app, _, database) = try makeApp()
        defer { app.close() }
        // The stored copy of version 1 (what the app opens) is damaged.
        let stored = try XCTUnwrap(try database.newestLabel("ct_002")).path
        try Data("not a NIfTI file".utf8).write(to: URL(fileURLWithPath: stored))
        press(app, .character("j"))
        press(app, .enter)
        let message = app.state.message
        XCTAssertTrue(message.hasPrefix("ct_002 read-only: its label version 1 cannot be read: "), message)
        XCTAssertTrue(message.contains(stored), message)
        XCTAssertEqual(app.state.open?.readOnly, true)
        press(app, .character("S"))
        XCTAssertNotEqual(app.state.message, "submitted as final version 2", "nothing is written over the label")
    }

    func testAStudyOpenInAnotherWindowOpensReadOnlyAndSaysWhere() throws {
        let (app, _, database) = try makeApp()
        defer { app.close() }
        // A live process of the same user holds it: the parent of this test.
        let host = ProcessInfo.processInfo.hostName
        try database.claim("ct_001", by: Annotator(user: Annotator.current.user, host: host, pid: getppid()))
        press(app, .enter)
        XCTAssertEqual(app.state.open?.readOnly, true)
        XCTAssertTrue(app.state.message.hasPrefix("ct_001 read-only: ct_001 is open in \(Annotator.current.user)@\(host) (pid \(getppid())) since "),
                      app.state.message)
        press(app, .character(" "))
        XCTAssertEqual(app.state.message, "ct_001 is open read-only: edits are not possible")
    }

    func testAFileThatIsNotAStudyIsListedGreyedOutWithWhy() throws {
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "/broken.nii"))
        let (app, console, _) = try makeApp()
        defer { app.close() }
        let lines = press(app, .character("j"), .character("j"))
        XCTAssertEqual(lines[3].prefix(28), " broken.nii    unreadable  │")
        XCTAssertTrue(console.frame[1, 3].style.attributes.contains(.dim), "greyed out")
        XCTAssertTrue(console.frame[1, 3].style.attributes.contains(.reverse), "and selectable")
        press(app, .enter)
        XCTAssertTrue(app.state.message.hasPrefix("broken.nii cannot be opened: not a NIfTI file"), app.state.message)
        XCTAssertNil(app.state.open)
    }

    func testARenamedLabelIsJournaledWithTheDraft() throws {
        let (app, _, database) = try makeApp()
        defer { app.close() }
        press(app, .enter)
        press(app, .character("}"), .character("N"), .character("a"), .character("o"), .enter)
        // The prompt starts from the name in labels.json.
        XCTAssertEqual(app.state.open?.name(of: 2), "spleenao", app.state.message)
        XCTAssertEqual(try database.draftLabelNames("ct_001", user: Annotator.current.user)?.first { $0.value == 2 }?.name, "spleenao")
    }

    func dice(_ a: [Bool], _ b: [Bool]) -> Double {
        let both = zip(a, b).filter { $0 && $1 }.count
        return 2 * Double(both) / Double(max(a.filter { $0 }.count + b.filter { $0 }.count, 1))
    }
}
