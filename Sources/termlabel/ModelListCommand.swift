// `termlabel model list DIR`: the registry as model cards, and which model each kind serves.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Learning
import Volume

struct ModelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The registered models as cards, newest first; ▶ marks the one each kind serves."
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Flag(help: "One JSON object per model and line.")
    var json = false

    func run() throws {
        let database = try studyFolder.database(synced: false)
        try ModelShelf(database: database).adoptGenericModels()
        let models = try database.models()
        let serving = Set(try Set(models.map(\.kind)).compactMap { try database.servingModel(kind: $0)?.name })
        let dates = ISO8601DateFormatter()
        // A weights file that is missing or unreadable is named on stderr with the reason, and its card shows
        // "missing" or "?" in those columns: one bad file does not hide the other models.
        var configs: [String: ModelConfig] = [:], sizes: [String: Int64] = [:]
        for m in models {
            do {
                sizes[m.name] = (try FileManager.default.attributesOfItem(atPath: m.weightsPath)[.size] as? NSNumber)?.int64Value
                configs[m.name] = try SegmentationModel.configuration(of: m.weightsPath)
            } catch {
                printError("\(m.name): \(error)")
            }
        }
        func bytes(_ record: ModelRecord) -> Int64? { sizes[record.name] }
        func config(_ record: ModelRecord) -> ModelConfig? { configs[record.name] }
        if json {
            for m in models {
                let c = config(m)
                let object: [String: Any] = [
                    "name": m.name, "kind": m.kind, "serving": serving.contains(m.name), "pinned": m.pinned, "origin": m.origin.rawValue,
                    "score": m.score ?? NSNull(), "dice": m.diceByLabel, "clicks": m.metrics["clicks"] ?? NSNull(),
                    "trained_on": m.trainedOn, "validated_on": m.validatedOn, "epochs": m.epochs, "steps": m.steps,
                    "training_seconds": m.trainingSeconds, "parent": m.parent ?? NSNull(), "created_at": dates.string(from: m.createdAt),
                    "spacing_mm": c?.spacingMM.map { $0 ?? 0 } ?? NSNull(), "patch": c?.patch ?? NSNull(),
                    "bytes": bytes(m) ?? NSNull(), "path": m.weightsPath,
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            }
            return
        }
        // Dice per label last: its length depends on the labels.
        print("  kind        name                                score  trained val  epochs steps   time  parent                         spacing mm    patch        MB       Dice per label")
        for m in models {
            let c = config(m)
            let mark = serving.contains(m.name) ? "▶ " : "  "
            let perLabel = m.diceByLabel.sorted { $0.key < $1.key }
                .map { "\($0.key) \(String(format: "%.2f", $0.value))" }.joined(separator: " ")
            let columns: [(String, Int)] = [
                (m.kind, 11), (TerminalText.escaped(m.name) + (m.pinned ? " (pinned)" : ""), 35), (m.score.map { String(format: "%.3f", $0) } ?? "—", 6),
                ("\(m.trainedOn.count)", 7), ("\(m.validatedOn.count)", 4), ("\(m.epochs)", 7), ("\(m.steps)", 6),
                (m.trainingSeconds > 0 ? String(format: "%.0fs", m.trainingSeconds) : "—", 6),
                (m.origin == .imported ? "import " + TerminalText.escaped(m.parent ?? "") : m.origin == .generic ? "generic (shipped)" : TerminalText.escaped(m.parent ?? "—"), 30),
                (c.map { $0.spacingMM.map { $0.map { String(format: "%g", $0) } ?? "-" }.joined(separator: "×") } ?? "?", 13),
                (c.map { $0.patch.map(String.init).joined(separator: "×") } ?? "?", 12),
                (bytes(m).map { String(format: "%.1f", Double($0) / 1e6) } ?? "missing", 8),
                (perLabel.isEmpty ? "—" : perLabel, 0),
            ]
            let line = mark + columns.map { text, width in text.count >= width ? text + " " : text.padding(toLength: width + 1, withPad: " ", startingAt: 0) }.joined()
            print(line.hasSuffix(" ") ? String(line.dropLast()) : line)
        }
    }
}
