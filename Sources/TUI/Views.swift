// Views: each draws part of AppState into a rectangle of the screen buffer, nothing else.

import Cells
import Datastore
import Render
import Volume

public enum Screen {
    /// The study list's width: room for the label versions and the claim holder on a wide screen.
    static func listWidth(_ screenWidth: Int) -> Int { screenWidth >= 150 ? 46 : 28 }

    /// The whole screen for a state.
    public static func render(_ state: AppState, width: Int, height: Int) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        let (body, footer) = buffer.area.splitBottom(2)
        let (statusRow, messageRow) = footer.splitTop(1)
        let (listRect, viewRect) = split(body, state: state)
        if !listRect.isEmpty {
            if state.review != nil && state.open != nil && listRect.height >= 16 {
                // The queue above, the open study's figures below.
                let (queue, panel) = listRect.splitTop(max(6, listRect.height / 3))
                drawList(state, into: &buffer, at: queue)
                drawReviewPanel(state, into: &buffer, at: panel)
                for y in panel.y..<panel.maxY { buffer[panel.maxX - 1, y] = Cell("│", style: Style(attributes: .dim)) }
            } else {
                drawList(state, into: &buffer, at: listRect)
            }
        }
        if state.open != nil {
            for (rect, plane) in views(state, width: width, height: height) {
                drawSlice(state, plane: plane, into: &buffer, at: rect)
            }
            if let panel = quarters(viewRect, state: state)?.last { drawStudyPanel(state, into: &buffer, at: panel) }
        } else {
            buffer.write("Select a study and press Enter.  ? shows every key.", x: viewRect.x + 2, y: viewRect.y + 1,
                         style: Style(attributes: .dim), limit: viewRect.width - 2)
            drawFolderProblems(state.folderProblems, into: &buffer, at: viewRect)
        }
        buffer.fill(statusRow, with: Cell(" ", style: Style(attributes: .reverse)))
        buffer.write(statusText(state), x: 0, y: statusRow.y, style: Style(attributes: .reverse), limit: width)
        if let prompt = state.prompt {
            let text = prompt.title + ": " + prompt.text
            buffer.write(text, x: 0, y: messageRow.y, style: Style(attributes: .bold), limit: width)
            if text.count < width { buffer[text.count, messageRow.y] = Cell(" ", style: Style(attributes: .reverse)) }
        } else {
            // Training's progress keeps the right end of the message line while it runs.
            let training = state.training.map { " ⚙ " + $0 } ?? ""
            let room = max(width - training.count, width / 2)
            buffer.write(TerminalText.escaped(state.message), x: 0, y: messageRow.y, limit: min(room, width))
            if !training.isEmpty && state.message.count < room {
                buffer.write(training, x: max(room, state.message.count + 1), y: messageRow.y, style: Style(attributes: .dim),
                             limit: width - max(room, state.message.count + 1))
            }
        }
        if state.showHelp { drawHelp(state, into: &buffer, at: body) }
        return ColorQuantizer.downgrade(buffer, to: state.colorDepth)
    }

    /// The study list (empty when the screen is too narrow for it beside an open study) and the view area.
    static func split(_ body: Rect, state: AppState) -> (list: Rect, view: Rect) {
        width(body) >= 60 || state.open == nil ? body.splitLeft(min(Screen.listWidth(body.width), body.width)) : (Rect(x: 0, y: 0, width: 0, height: 0), body)
    }

    static func width(_ rect: Rect) -> Int { rect.width }

    /// The slice views on screen and their planes. Three views go in three columns or in a 2×2 grid (the fourth
    /// quarter a study panel), whichever gives each view the larger square: cells are twice as tall as wide.
    public static func views(_ state: AppState, width: Int, height: Int) -> [(Rect, SlicePlane)] {
        let view = split(Rect(x: 0, y: 0, width: width, height: height).splitBottom(2).rest, state: state).view
        guard state.layout == .threeUp, view.width >= 60, view.height >= 12 else { return [(view, state.plane)] }
        let planes: [SlicePlane] = [.axial, .coronal, .sagittal]
        guard let grid = quarters(view, state: state) else { return Array(zip(view.columns(3), planes)) }
        return Array(zip(grid.prefix(3), planes))
    }

    /// The view area's four quarters when three views fit it better that way than in columns; nil otherwise.
    static func quarters(_ view: Rect, state: AppState) -> [Rect]? {
        guard state.layout == .threeUp, view.width >= 60, view.height >= 12, min(view.width / 2, view.height) > min(view.width / 3, 2 * view.height)
        else { return nil }
        let (top, bottom) = view.splitTop(view.height / 2)
        return top.columns(2) + bottom.columns(2)
    }

    /// Under the prompt to open a study: what the folder holds that the study list did not take in, each problem
    /// wrapped to the view's width, as many as fit.
    static func drawFolderProblems(_ problems: [String], into buffer: inout CellBuffer, at rect: Rect) {
        guard !problems.isEmpty, rect.height > 5 else { return }
        let width = rect.width - 4
        var y = rect.y + 3
        buffer.write("Not taken in (termlabel list says the same):", x: rect.x + 2, y: y, style: Style(attributes: .bold), limit: rect.width - 2)
        y += 1
        let last = rect.maxY - 1
        for (n, problem) in problems.enumerated() {
            let lines = wrapped(TerminalText.escaped(problem), width: width)
            // The last row says how many did not fit, where some do not.
            let room = last - y + (n == problems.count - 1 ? 1 : 0)
            guard lines.count <= room else {
                buffer.write("… and \(problems.count - n) more", x: rect.x + 2, y: y, style: Style(attributes: .dim), limit: rect.width - 2)
                return
            }
            for (m, line) in lines.enumerated() {
                buffer.write((m == 0 ? "• " : "  ") + line, x: rect.x + 2, y: y, limit: rect.width - 2)
                y += 1
            }
        }
    }

    /// Text broken at spaces into lines of at most `width` characters (a longer word is cut).
    static func wrapped(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
            while line.count > width {
                lines.append(String(line.prefix(width)))
                line = String(line.dropFirst(width))
            }
        }
        return lines + (line.isEmpty ? [] : [line])
    }

    /// The fourth quarter of a 2×2 layout: the study, its grid and its labels with their colours.
    static func drawStudyPanel(_ state: AppState, into buffer: inout CellBuffer, at rect: Rect) {
        guard let study = state.open else { return }
        let grid = study.image.grid
        var lines: [(String, Style)] = [
            (TerminalText.escaped(study.id), Style(attributes: .bold)),
            (grid.shape.map(String.init).joined(separator: "×") + " voxels, " + grid.spacingMM.map { format($0) }.joined(separator: "×") + " mm", .plain),
            ("W/L \(Int(state.window.width.rounded()))/\(Int(state.window.level.rounded())), \(state.tool.rawValue)", .plain),
            ("", .plain),
        ]
        let values = Set(study.labelNames.map(\.value) + [state.activeLabel]).sorted()
        for value in values {
            let mark = value == state.activeLabel ? "▶ " : "  "
            lines.append((mark + "\(value) " + TerminalText.escaped(study.name(of: value)), Style(foreground: .rgb(state.palette.color(value)))))
        }
        for (n, line) in lines.prefix(max(0, rect.height - 1)).enumerated() {
            buffer.write(line.0, x: rect.x + 2, y: rect.y + 1 + n, style: line.1, limit: rect.width - 3)
        }
    }

    /// Where screen pixels of a plane's view fall on its slice, if the plane is on screen.
    public static func mapping(_ state: AppState, plane: SlicePlane) -> SliceMapping? {
        guard let study = state.open,
              let rect = views(state, width: state.screen.width, height: state.screen.height).first(where: { $0.1 == plane })?.0
        else { return nil }
        return mapping(state, plane: plane, geometry: PlaneGeometry(grid: study.image.grid, plane: plane), inner: rect.inset(by: 1))
    }

    /// The view's pixels: two per cell with half blocks; the cell's pixels with an image protocol, or, where the
    /// terminal scales the picture and the screen has more pixels than the slice shows, one per slice pixel (less
    /// to send; labels and seeds have no finer detail).
    static func mapping(_ state: AppState, plane: SlicePlane, geometry: PlaneGeometry, inner: Rect) -> SliceMapping {
        let viewport = viewport(state, plane: plane)
        guard state.graphics != .cells else {
            return SliceMapping(slice: geometry, width: inner.width, height: inner.height * 2, viewport: viewport)
        }
        let full = SliceMapping(slice: geometry, width: inner.width * state.cellPixels.width, height: inner.height * state.cellPixels.height,
                                viewport: viewport)
        let factor = state.graphics.scales ? 1 / max(full.stepU, full.stepV, 1e-6) : 1
        guard factor > 1 else { return full }
        return SliceMapping(slice: geometry, width: max(1, Int((Double(full.width) / factor).rounded())),
                            height: max(1, Int((Double(full.height) / factor).rounded())), viewport: viewport)
    }

    /// The viewport a plane is shown with (the zoom and pan belong to the focused plane).
    static func viewport(_ state: AppState, plane: SlicePlane) -> Viewport { plane == state.plane ? state.viewport : Viewport() }

    /// The plane and voxel under a screen cell (its upper half), if a slice is shown there.
    public static func voxel(atCellX x: Int, y: Int, state: AppState) -> (SlicePlane, VoxelIndex)? {
        guard let study = state.open else { return nil }
        for (rect, plane) in views(state, width: state.screen.width, height: state.screen.height) {
            let inner = rect.inset(by: 1)
            guard inner.contains(x: x, y: y), let mapping = mapping(state, plane: plane) else { continue }
            let geometry = PlaneGeometry(grid: study.image.grid, plane: plane)
            let perCellX = Double(mapping.width) / Double(inner.width), perCellY = Double(mapping.height) / Double(inner.height)
            let px = Int((Double(x - inner.x) + 0.5) * perCellX), py = Int((Double(y - inner.y) + 0.25) * perCellY)
            guard let p = mapping.slicePixel(x: px, y: py, sliceWidth: geometry.width, sliceHeight: geometry.height)
            else { return nil }
            return (plane, geometry.voxel(column: p.column, row: p.row, slice: geometry.position(of: state.cursor).slice))
        }
        return nil
    }

    static func drawList(_ state: AppState, into buffer: inout CellBuffer, at rect: Rect) {
        let bold = Style(attributes: [.bold])
        let ranked = state.studies.contains { $0.rank != nil }
        let title = state.review != nil ? "Review queue (\(state.studies.count))" : "Studies (\(state.studies.count))"
        buffer.write(title + (ranked ? " by \(state.strategy.rawValue)" : ""), x: rect.x + 1, y: rect.y,
                     style: bold, limit: rect.width - 1)
        let rows = max(rect.height - 1, 1)
        let first = max(0, min(state.selected - rows / 2, state.studies.count - rows))
        for (n, entry) in state.studies.dropFirst(first).prefix(rows).enumerated() {
            let index = first + n
            let selected = index == state.selected
            var style = selected ? Style(attributes: state.focus == .list ? [.reverse, .bold] : [.reverse]) : .plain
            if entry.problem != nil { style.attributes.insert(.dim) }
            // id, status, newest label versions, who holds it (⚑); what does not fit is cut.
            let mark = entry.claimedBy != nil ? "⚑" : " "
            var text = " " + TerminalText.escaped(entry.id).padding(toLength: 12, withPad: " ", startingAt: 0) + " " + mark + entry.status
            if rect.width > 30 {
                text = text.padding(toLength: 27, withPad: " ", startingAt: 0) + entry.labels + (entry.claimedBy.map { " ⚑" + $0 } ?? "")
            }
            if let rank = entry.rank {
                // The place in the ranking (and the score) before the id, where a narrow list still shows it.
                let score = entry.score.map { rect.width > 30 ? String(format: " %.3f", $0) : "" } ?? ""
                text = "#\(rank)" + score + text
            }
            buffer.fill(Rect(x: rect.x, y: rect.y + 1 + n, width: rect.width - 1, height: 1), with: Cell(" ", style: style))
            buffer.write(text, x: rect.x, y: rect.y + 1 + n, style: style, limit: rect.width - 1)
        }
        for y in rect.y..<rect.maxY { buffer[rect.maxX - 1, y] = Cell("│", style: Style(attributes: .dim)) }
    }

    /// A slice in a rectangle: the image inside a one-cell margin holding the orientation letters. With an image
    /// protocol the inside stays blank cells and `pictures` gives the image.
    static func drawSlice(_ state: AppState, plane: SlicePlane, into buffer: inout CellBuffer, at rect: Rect) {
        guard let study = state.open, rect.width > 4, rect.height > 3 else { return }
        let geometry = PlaneGeometry(grid: study.image.grid, plane: plane)
        let p = geometry.position(of: state.cursor)
        let inner = rect.inset(by: 1)
        if state.graphics == .cells {
            let mapping = mapping(state, plane: plane, geometry: geometry, inner: inner)
            // In 16 colours a blended label would become a grey: labels are drawn as outlines in their own hue.
            let overlay = state.colorDepth == .palette16 && state.overlay == .fill ? .outline : state.overlay
            var raster = SliceRaster(image: study.image.slice(plane, at: p.slice), labels: labelsShown(state, plane: plane, slice: p.slice),
                                     window: state.window, palette: state.palette, overlay: overlay, opacity: state.opacity,
                                     width: mapping.width, height: mapping.height, viewport: viewport(state, plane: plane),
                                     background: state.theme.background)
            for (n, color) in marks(state, plane: plane, mapping: mapping) where color.a != 0 {
                raster.pixels[n] = color.a == 255 ? RGB(color.r, color.g, color.b) : Blend.over(raster.pixels[n], RGB(color.r, color.g, color.b), alpha: crosshairAlpha)
            }
            HalfBlocks.draw(raster, into: &buffer, at: inner)
        }
        let letters = geometry.edgeLetters
        let dim = Style(attributes: .bold)
        buffer.write(letters.top, x: rect.x + rect.width / 2, y: rect.y, style: dim)
        buffer.write(letters.bottom, x: rect.x + rect.width / 2, y: rect.maxY - 1, style: dim)
        buffer.write(letters.left, x: rect.x, y: rect.y + rect.height / 2, style: dim)
        buffer.write(letters.right, x: rect.maxX - 1, y: rect.y + rect.height / 2, style: dim)
        buffer.write("\(plane.rawValue) \(p.slice + 1)/\(geometry.depth)", x: rect.x + 1, y: rect.y, style: Style(attributes: .dim),
                     limit: rect.width / 2 - 2)
    }

    static let crosshairAlpha = 0.6

    /// The labels a plane shows: in review, the difference overlay takes the labels' place while it is on.
    static func labelsShown(_ state: AppState, plane: SlicePlane, slice: Int) -> Slice<UInt16>? {
        guard let study = state.open else { return nil }
        return (state.review?.difference ?? study.labels).slice(plane, at: slice)
    }

    /// What is drawn over the labels, by screen pixel: seeds at full strength (the label's colour for its clicks and
    /// scribbles, the theme's for background), and the shared 3D cursor as a crosshair, with a gap so that the voxel
    /// under it stays visible (alpha below 255).
    static func marks(_ state: AppState, plane: SlicePlane, mapping: SliceMapping) -> [Int: RGBA] {
        guard let study = state.open else { return [:] }
        let geometry = PlaneGeometry(grid: study.image.grid, plane: plane)
        let p = geometry.position(of: state.cursor)
        var marks: [Int: RGBA] = [:]
        let seeds = study.draft.seeds.slice(plane, at: p.slice)
        if seeds.pixels.contains(where: { $0 != 0 }) {
            let columns = mapping.sliceColumns(seeds.width), rows = mapping.sliceRows(seeds.height)
            for y in 0..<mapping.height where rows[y] >= 0 {
                for x in 0..<mapping.width where columns[x] >= 0 {
                    let seed = seeds[columns[x], rows[y]]
                    if seed == Draft.backgroundSeed { marks[y * mapping.width + x] = RGBA(state.theme.backgroundSeed, alpha: 255) }
                    else if seed != 0 { marks[y * mapping.width + x] = RGBA(state.palette.color(seed), alpha: 255) }
                }
            }
        }
        // The gap scales with the view's pixels per cell, so that it looks the same with half blocks and pixels.
        let s = mapping.screenPixel(column: p.column, row: p.row)
        let gap = state.graphics == .cells ? 2 : 2 * max(1, mapping.width / max(1, state.screen.width))
        let line = RGBA(state.theme.crosshair, alpha: UInt8(crosshairAlpha * 255))
        for x in 0..<mapping.width where abs(x - s.x) > gap && s.y >= 0 && s.y < mapping.height {
            let n = s.y * mapping.width + x
            if marks[n] == nil { marks[n] = line }
        }
        for y in 0..<mapping.height where abs(y - s.y) > gap && s.x >= 0 && s.x < mapping.width {
            let n = y * mapping.width + s.x
            if marks[n] == nil { marks[n] = line }
        }
        return marks
    }

    /// The views as images, for a terminal that shows pixels: the windowed slice, and over it the labels, seeds and
    /// crosshair. Empty with half blocks.
    public static func pictures(_ state: AppState, width: Int, height: Int) -> [Picture] {
        guard state.graphics != .cells, let study = state.open, !state.showHelp else { return [] }
        return views(state, width: width, height: height).enumerated().compactMap { slot, view in
            let (rect, plane) = view
            guard rect.width > 4, rect.height > 3 else { return nil }
            let inner = rect.inset(by: 1)
            let geometry = PlaneGeometry(grid: study.image.grid, plane: plane)
            let p = geometry.position(of: state.cursor)
            let mapping = mapping(state, plane: plane, geometry: geometry, inner: inner)
            let base = SliceRaster(image: study.image.slice(plane, at: p.slice), window: state.window, palette: state.palette,
                                   width: mapping.width, height: mapping.height, viewport: viewport(state, plane: plane),
                                   background: state.theme.background)
            var overlay = [RGBA](repeating: .clear, count: mapping.width * mapping.height)
            if let labels = labelsShown(state, plane: plane, slice: p.slice) {
                let shown = SliceRaster.labelsShown(labels, mapping: mapping, overlay: state.overlay)
                let alpha = UInt8(state.overlay == .outline ? 255 : (state.opacity * 255).rounded())
                for n in 0..<shown.count where shown[n] != 0 { overlay[n] = RGBA(state.palette.color(shown[n]), alpha: alpha) }
            }
            for (n, mark) in marks(state, plane: plane, mapping: mapping) {
                overlay[n] = mark.a == 255 || overlay[n].a == 0 ? mark : over(overlay[n], mark)
            }
            return Picture(slot: slot, rect: inner, width: mapping.width, height: mapping.height, base: base.pixels, overlay: overlay)
        }
    }

    /// `top` over `bottom`, both with alpha.
    static func over(_ bottom: RGBA, _ top: RGBA) -> RGBA {
        let at = Double(top.a) / 255, ab = Double(bottom.a) / 255 * (1 - at)
        let a = at + ab
        func mix(_ b: UInt8, _ t: UInt8) -> UInt8 { UInt8(((Double(t) * at + Double(b) * ab) / a).rounded()) }
        return RGBA(mix(bottom.r, top.r), mix(bottom.g, top.g), mix(bottom.b, top.b), UInt8((a * 255).rounded()))
    }

    static func statusText(_ state: AppState) -> String {
        guard let study = state.open else { return " \(state.folder)" }
        let v = state.cursor
        let world = study.image.grid.world(v)
        let value = study.image[v]
        let label = study.labels[v]
        let geometry = PlaneGeometry(grid: study.image.grid, plane: state.plane)
        return " \(study.id) │ \(state.plane.rawValue) \(geometry.position(of: v).slice + 1)/\(geometry.depth)"
            + " │ voxel \(v.i),\(v.j),\(v.k) │ RAS \(format(world.x)),\(format(world.y)),\(format(world.z)) mm"
            + " │ \(format(Double(value)))\(label > 0 ? " label \(label)" : "")"
            + " │ W/L \(Int(state.window.width.rounded()))/\(Int(state.window.level.rounded()))"
            + " │ \(state.activeLabel) \(study.name(of: state.activeLabel)) │ \(state.tool.rawValue)"
            + (state.tool == .navigate ? "" : " r\(format(state.brushRadiusMM))mm\(state.brush3D ? " 3D" : "")")
            + (state.viewport.zoom != 1 ? " │ zoom \(Screen.format(state.viewport.zoom))×" : "")
            + " │ \(state.overlay.rawValue)\(state.overlay == .fill ? " \(Int((state.opacity * 100).rounded()))%" : "") │ \(state.colorDepth.rawValue)\(state.graphics == .cells ? "" : " " + state.graphics.rawValue)"
            + (state.assistant == .classical ? "" : " │ \(state.assistant.rawValue)")
            + (state.unsaved ? " │ ● unsaved" : "") + (state.busy.map { " │ ⧗ " + $0 } ?? "")
    }

    public static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func drawHelp(_ state: AppState, into buffer: inout CellBuffer, at area: Rect) {
        let lines = ["Keys (Esc or ? closes)", ""] + state.keymap.helpLines
        let width = min(area.width - 2, (lines.map(\.count).max() ?? 20) + 4)
        let height = min(area.height - 2, lines.count + 2)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width: width, height: height)
        buffer.fill(box, with: Cell(" ", style: Style(attributes: .reverse)))
        for (n, line) in lines.prefix(height - 2).enumerated() {
            buffer.write(line, x: box.x + 2, y: box.y + 1 + n, style: Style(attributes: n == 0 ? [.reverse, .bold] : .reverse), limit: width - 3)
        }
    }
}
