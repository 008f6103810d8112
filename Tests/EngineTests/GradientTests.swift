// Every op's backward agrees with finite differences, and no op is without its check.

import Engine
import EngineTesting
import XCTest

final class GradientTests: XCTestCase {
    func testEveryOpHasAGradientCheck() {
        for op in Op.allCases { XCTAssertNotNil(GradientCheck.cases[op], "\(op) has no gradient check") }
    }

    func testEveryOpsGradientMatchesFiniteDifferences() {
        for op in Op.allCases {
            guard let check = GradientCheck.cases[op] else { continue }
            let failures = GradientCheck.run(check)
            XCTAssertTrue(failures.isEmpty, failures.prefix(5).joined(separator: "\n"))
        }
    }
}
