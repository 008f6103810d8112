// A second task of a kind is refused while one runs before its own check is asked: the training route's check takes
// the folder's training lock for a moment, and it once took it from the training that had just been started, which
// then failed ("a training already runs").

import Foundation
@testable import Server
import XCTest

final class ServerTasksTests: XCTestCase {
    func testASecondTaskIsRefusedWithoutAskingItsCheckWhileOneRuns() throws {
        let tasks = ServerTasks(kind: "train")
        let release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        _ = try tasks.start([:]) { _, _ in
            release.wait()
            finished.signal()
            return (true, "done")
        }
        var asked = false
        XCTAssertThrowsError(try tasks.start([:], refusing: { asked = true }) { _, _ in (true, "") }) { error in
            XCTAssertEqual((error as? APIError)?.status, 429)
        }
        XCTAssertFalse(asked, "the check ran while a task ran")
        release.signal()
        finished.wait()
        // Once none runs, the check decides.
        while tasks.isRunning { usleep(1000) }
        XCTAssertThrowsError(try tasks.start([:], refusing: { throw APIError(429, "busy elsewhere") }) { _, _ in (true, "") }) { error in
            XCTAssertEqual((error as? APIError)?.detail, "busy elsewhere")
        }
    }
}
