// Review mode's part of the app state: which queue is shown, what is known of the open study's final version, and
// the difference overlay.

import Datastore
import Volume

public struct ReviewMode: Sendable {
    public var filter: ReviewQueueFilter
    /// The open study's figures and the decisions on its final version (nil while they load).
    public var figures: ReviewFigures?
    public var decisions: [ReviewDecision] = []
    /// What the difference overlay compares with (the model's original output, else the previous version).
    public var comparison: LabelVolume?
    public var comparisonName = ""
    /// Shown instead of the labels while on: 1 where only the study's labels have a structure, 2 where only the
    /// comparison has one (or another label).
    public var difference: LabelVolume?
    /// Which slice of the active label's structure the next jump goes to: first, largest, last.
    public var nextJump = 0
    /// The last decision, said again when the next study's figures arrive.
    public var lastDecision: String?

    public init(filter: ReviewQueueFilter = ReviewQueueFilter()) {
        self.filter = filter
    }

    /// A queue entry's status as the list shows it.
    public static func status(of item: ReviewItem) -> String {
        item.latest?.verdictText ?? "pending"
    }
}

extension StudyEntry {
    /// A study of the review queue: its review status, and the final version with its author.
    public init(reviewing item: ReviewItem) {
        self.init(id: item.study.imageId, status: ReviewMode.status(of: item),
                  labels: "final v\(item.version.version) by \(item.version.author)")
    }
}
