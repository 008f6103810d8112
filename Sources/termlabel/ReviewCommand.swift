// `termlabel review DIR`: the review queue. With --json it is listed with each study's figures; with a study id and
// --accept, --reject or --flag a decision is recorded; otherwise the app opens in review mode.

import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Volume

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review labeled studies: the queue in the app, as JSON, or one decision from a script.",
        discussion: """
            Accepting or rejecting settles a final version; a flag (level 1 minor, 2, 3 serious) asks for another look \
            and leaves it in the queue. A rejected study returns to "in progress" and its annotator sees the comment \
            when opening it. A decision on a version that has been replaced since, or that someone has already \
            accepted or rejected, is refused and nothing is recorded.
            """
    )

    @Argument(help: "A study folder (default: the current folder).")
    var folder = "."

    @Argument(help: "A study to decide on (with --accept, --reject or --flag).")
    var study: String?

    @Flag(help: "List the queue, one JSON object per study and line, with its figures and decisions.")
    var json = false

    @Flag(help: "Accept the study's final label.")
    var accept = false

    @Option(help: ArgumentHelp("Reject the final label, saying why.", valueName: "comment"))
    var reject: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Flag the final label: a level 1–3 and a comment.", valueName: "level comment"))
    var flag: [String] = []

    @Option(help: "The final version decided on (default: the newest); refused if a newer one exists.")
    var version: Int?

    @Option(help: "Who decides, for a decision given here (default: the user name; in the app, always the user).")
    var reviewer: String?

    @Option(help: "Which studies the queue holds: open (not yet accepted or rejected), accepted, rejected, flagged, all.")
    var status: String = "open"

    @Option(help: "Only versions saved by this annotator.")
    var annotator: String?

    @Option(help: "Only versions holding this label (name or value).")
    var label: String?

    @Option(help: "Only versions saved on or after this day (YYYY-MM-DD).")
    var since: String?

    @OptionGroup var terminal: TerminalArguments

    var decisions: Int { (accept ? 1 : 0) + (reject != nil ? 1 : 0) + (flag.isEmpty ? 0 : 1) }

    func validate() throws {
        if ReviewQueueStatus(rawValue: status) == nil {
            throw ValidationError("--status is one of: " + ReviewQueueStatus.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if decisions > 1 { throw ValidationError("give one of --accept, --reject and --flag") }
        if decisions == 1 && study == nil { throw ValidationError("name the study to decide on: termlabel review DIR ID --accept") }
        if study != nil && decisions == 0 { throw ValidationError("say what to decide on \(study!): --accept, --reject COMMENT or --flag LEVEL COMMENT") }
        if !flag.isEmpty, flag.count > 2 || Int(flag[0]).map({ !(1...3).contains($0) }) ?? true {
            throw ValidationError("--flag takes a level 1–3 and a comment, e.g. --flag 2 \"check the lower pole\"")
        }
        if reject?.trimmingCharacters(in: .whitespaces).isEmpty == true { throw ValidationError("--reject needs a comment saying why") }
        if since != nil && sinceDate == nil { throw ValidationError("--since takes a day as YYYY-MM-DD") }
    }

    var sinceDate: Date? {
        guard let since else { return nil }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone.current
        format.dateFormat = "yyyy-MM-dd"
        return format.date(from: since)
    }

    func run() throws {
        let database = try AppDatabase(folder: folder)
        let report = try database.sync()
        // The app lists what the sync did not take in; a script reads it on standard error.
        func printProblems() { for problem in report.problems { printError(problem) } }
        let filter = ReviewQueueFilter(status: ReviewQueueStatus(rawValue: status)!, annotator: annotator, label: label, since: sinceDate)
        if let study {
            printProblems()
            let verdict: ReviewVerdict = accept ? .accepted : reject != nil ? .rejected : .flagged
            let decision = try database.decide(study, version: version, reviewer: reviewer ?? Annotator.current.user, verdict: verdict,
                                               level: flag.first.flatMap { Int($0) }, comment: reject ?? (flag.count > 1 ? flag[1] : ""))
            print("\(TerminalText.escaped(study)) version \(decision.version): \(verdict.rawValue) by \(TerminalText.escaped(decision.reviewer))")
            return
        }
        let queue = try database.reviewQueue(filter)
        if json {
            printProblems()
            for item in queue { print(try item.json(figures: database.reviewFigures(item.study.imageId, version: item.version.version))) }
            return
        }
        try OpenCommand.openApp(on: database, report: report, color: terminal.color, graphics: terminal.graphics, review: filter)
    }
}
