// Every input the fuzzers kept (Corpus/<target>/: the minimised corpus, and crash-* files, each an input that once
// trapped, hung or over-allocated) read again through its target: none may trap.

import FuzzTargets
import Foundation
import XCTest

final class CorpusReplayTests: XCTestCase {
    func testEveryKeptInputIsReadWithoutATrap() throws {
        let corpus = try XCTUnwrap(Bundle.module.url(forResource: "Corpus", withExtension: nil))
        var replayed: [FuzzTarget: Int] = [:]
        for target in FuzzTarget.allCases {
            let folder = corpus.appendingPathComponent(target.rawValue)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
                target.run(try Data(contentsOf: folder.appendingPathComponent(name)))
                replayed[target, default: 0] += 1
            }
        }
        for target in FuzzTarget.allCases { XCTAssertGreaterThan(replayed[target] ?? 0, 0, "\(target.rawValue) has a corpus") }
    }
}
