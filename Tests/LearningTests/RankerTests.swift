// Which study next: first by id, random never hands out a held study and favours those served longest ago, and
// model strategies put the highest score first.

import Foundation
import Learning
import XCTest

final class RankerTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_000_000)

    func testFirstIsByIdAndSkipsHeldStudies() {
        let ranked = Ranker.rank([Candidate(id: "c"), Candidate(id: "a", held: true), Candidate(id: "b")], strategy: .first, now: now)
        XCTAssertEqual(ranked.map(\.id), ["b", "c"])
    }

    func testRandomNeverReturnsAHeldStudyAndFavoursTheLongestUnserved() {
        var candidates = (0..<6).map { Candidate(id: "s\($0)", lastServed: now.addingTimeInterval(-60)) }
        candidates[2].held = true
        candidates[4].lastServed = nil  // never served: weighs a day against a minute
        var firstPicks: [String: Int] = [:], secondPicks: Set<String> = []
        for seed in 0..<200 {
            let ranked = Ranker.rank(candidates, strategy: .random, now: now, seed: UInt64(seed))
            XCTAssertFalse(ranked.contains { $0.id == "s2" })
            XCTAssertEqual(Set(ranked.map(\.id)).count, 5, "each free study once")
            firstPicks[ranked[0].id, default: 0] += 1
            secondPicks.insert(ranked[1].id)
        }
        XCTAssertGreaterThan(firstPicks["s4", default: 0], 180, "\(firstPicks)")
        XCTAssertEqual(secondPicks.count, 4, "the equally served ones come in any order")
    }

    func testModelStrategiesPutTheHighestScoreFirstAndUnscoredLast() {
        for strategy in [Strategy.epistemic, .aleatoric] {
            let ranked = Ranker.rank([Candidate(id: "a", score: 0.2), Candidate(id: "b", score: nil), Candidate(id: "c", score: 0.9),
                                      Candidate(id: "d", held: true, score: 5)], strategy: strategy, now: now)
            XCTAssertEqual(ranked.map(\.id), ["c", "a", "b"], "\(strategy)")
        }
    }
}
