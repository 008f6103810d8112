// Review mode's panel under the queue: who made the final version and with how much effort, and per structure its
// size, pieces, slices and agreement with the model's original and the previous version.

import Cells
import Datastore
import Foundation
import Volume

extension Screen {
    /// Lines of the review panel for the open study (what fits is shown, from the top).
    static func reviewLines(_ state: AppState) -> [(String, Style)] {
        guard let review = state.review, let study = state.open else { return [] }
        guard let figures = review.figures else { return [("figures of \(study.id)…", Style(attributes: .dim))] }
        let bold = Style(attributes: .bold), plain = Style.plain, dim = Style(attributes: .dim)
        let saved = DateFormatter()
        saved.locale = Locale(identifier: "en_US_POSIX")
        saved.dateFormat = "yyyy-MM-dd HH:mm"
        // Short lines: the list beside three views is 27 columns wide.
        var lines: [(String, Style)] = [
            ("final v\(figures.version) by \(figures.author)", bold),
            ("saved " + saved.string(from: figures.savedAt), dim),
            ("active \(format(figures.activeSeconds / 60)) min", plain),
            ("\(figures.clicks) clicks, \(figures.modelCalls) model calls", plain),
            (figures.originalAuthor.map { "model: \($0)" } ?? "no model output kept", dim),
        ]
        // Decisions before the structures: they must stay in view however many structures follow.
        for decision in review.decisions {
            lines.append(("\(decision.verdictText) by \(decision.reviewer)" + (decision.comment.isEmpty ? "" : ": \(decision.comment)"), bold))
        }
        for structure in figures.structures {
            let m = structure.measure
            let pieces = m.components == 1 ? "1 piece" : "\(m.components) pieces!"
            lines.append(("\(m.label) \(structure.name)", Style(foreground: .rgb(state.palette.color(m.label)), attributes: .bold)))
            if m.voxels == 0 {
                lines.append(("  removed in this version", bold))
            } else {
                lines.append(("  \(String(format: "%.1f", m.millilitres)) mL, \(m.voxels) vx", plain))
                lines.append(("  \(pieces), slices \(m.firstSlice + 1)–\(m.lastSlice + 1)", m.components == 1 ? plain : bold))
            }
            if let dice = structure.diceWithOriginal, let change = structure.millilitresChangeFromOriginal {
                lines.append(("  vs model \(String(format: "%.3f", dice)) \(String(format: "%+.1f", change)) mL", plain))
            }
            if let dice = structure.diceWithPrevious, let change = structure.millilitresChangeFromPrevious, let previous = figures.previousVersion {
                lines.append(("  vs v\(previous) \(String(format: "%.3f", dice)) \(String(format: "%+.1f", change)) mL", plain))
            }
        }
        return lines
    }

    static func drawReviewPanel(_ state: AppState, into buffer: inout CellBuffer, at rect: Rect) {
        for x in rect.x..<(rect.maxX - 1) { buffer[x, rect.y] = Cell("─", style: Style(attributes: .dim)) }
        for (n, line) in reviewLines(state).prefix(rect.height - 1).enumerated() {
            buffer.write(TerminalText.escaped(line.0), x: rect.x + 1, y: rect.y + 1 + n, style: line.1, limit: rect.width - 2)
        }
    }
}
