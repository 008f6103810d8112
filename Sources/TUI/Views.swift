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
        } else {
            buffer.write("Select a study and press Enter.  ? shows every key.", x: viewRect.x + 2, y: viewRect.y + 1,
                         style: Style(attributes: .dim), limit: viewRect.width - 2)
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

    /// The slice views on screen and their planes.
    public static func views(_ state: AppState, width: Int, height: Int) -> [(Rect, SlicePlane)] {
        let body = Rect(x: 0, y: 0, width: width, height: height).splitBottom(2).rest
        let view = split(body, state: state).view
        let planes: [SlicePlane] = state.layout == .threeUp && view.width >= 90 ? [.axial, .coronal, .sagittal] : [state.plane]
        return Array(zip(view.columns(planes.count), planes))
    }

    /// Where screen pixels of a plane's view fall on its slice, if the plane is on screen.
    public static func mapping(_ state: AppState, plane: SlicePlane) -> SliceMapping? {
        guard let study = state.open,
              let rect = views(state, width: state.screen.width, height: state.screen.height).first(where: { $0.1 == plane })?.0
        else { return nil }
        let inner = rect.inset(by: 1)
        return SliceMapping(slice: PlaneGeometry(grid: study.image.grid, plane: plane), width: inner.width, height: inner.height * 2,
                            viewport: viewport(state, plane: plane))
    }

    /// The viewport a plane is shown with (the zoom and pan belong to the focused plane).
    static func viewport(_ state: AppState, plane: SlicePlane) -> Viewport { plane == state.plane ? state.viewport : Viewport() }

    /// The plane and voxel under a screen cell (its upper pixel), if a slice is shown there.
    public static func voxel(atCellX x: Int, y: Int, state: AppState) -> (SlicePlane, VoxelIndex)? {
        guard let study = state.open else { return nil }
        for (rect, plane) in views(state, width: state.screen.width, height: state.screen.height) {
            let inner = rect.inset(by: 1)
            guard inner.contains(x: x, y: y), let mapping = mapping(state, plane: plane) else { continue }
            let geometry = PlaneGeometry(grid: study.image.grid, plane: plane)
            guard let p = mapping.slicePixel(x: x - inner.x, y: 2 * (y - inner.y), sliceWidth: geometry.width, sliceHeight: geometry.height)
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

    /// A slice in a rectangle: the image inside a one-cell margin holding the orientation letters.
    static func drawSlice(_ state: AppState, plane: SlicePlane, into buffer: inout CellBuffer, at rect: Rect) {
        guard let study = state.open, rect.width > 4, rect.height > 3 else { return }
        let geometry = PlaneGeometry(grid: study.image.grid, plane: plane)
        let p = geometry.position(of: state.cursor)
        let image = study.image.slice(plane, at: p.slice)
        // In review, the difference overlay takes the labels' place while it is on.
        let labels = (state.review?.difference ?? study.labels).slice(plane, at: p.slice)
        let inner = rect.inset(by: 1)
        let viewport = viewport(state, plane: plane)
        var raster = SliceRaster(image: image, labels: labels, window: state.window, palette: state.palette,
                                 overlay: state.overlay, opacity: state.opacity, width: inner.width, height: inner.height * 2,
                                 viewport: viewport, background: state.theme.background)
        // Seeds on top: the label's colour at full strength for its clicks and scribbles, white for background.
        let seeds = study.draft.seeds.slice(plane, at: p.slice)
        if seeds.pixels.contains(where: { $0 != 0 }) {
            for y in 0..<raster.height {
                for x in 0..<raster.width {
                    guard let q = raster.mapping.slicePixel(x: x, y: y, sliceWidth: seeds.width, sliceHeight: seeds.height) else { continue }
                    let seed = seeds[q.column, q.row]
                    if seed == Draft.backgroundSeed { raster[x, y] = state.theme.backgroundSeed } else if seed != 0 { raster[x, y] = state.palette.color(seed) }
                }
            }
        }
        // The shared 3D cursor as a crosshair, with a gap so the voxel under it stays visible.
        let s = raster.mapping.screenPixel(column: p.column, row: p.row)
        for x in 0..<raster.width where abs(x - s.x) > 2 && s.y >= 0 && s.y < raster.height {
            raster[x, s.y] = Blend.over(raster[x, s.y], state.theme.crosshair, alpha: 0.6)
        }
        for y in 0..<raster.height where abs(y - s.y) > 2 && s.x >= 0 && s.x < raster.width {
            raster[s.x, y] = Blend.over(raster[s.x, y], state.theme.crosshair, alpha: 0.6)
        }
        HalfBlocks.draw(raster, into: &buffer, at: inner)
        let letters = geometry.edgeLetters
        let dim = Style(attributes: .bold)
        buffer.write(letters.top, x: rect.x + rect.width / 2, y: rect.y, style: dim)
        buffer.write(letters.bottom, x: rect.x + rect.width / 2, y: rect.maxY - 1, style: dim)
        buffer.write(letters.left, x: rect.x, y: rect.y + rect.height / 2, style: dim)
        buffer.write(letters.right, x: rect.maxX - 1, y: rect.y + rect.height / 2, style: dim)
        buffer.write("\(plane.rawValue) \(p.slice + 1)/\(geometry.depth)", x: rect.x + 1, y: rect.y, style: Style(attributes: .dim),
                     limit: rect.width / 2 - 2)
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
            + " │ \(state.overlay.rawValue)\(state.overlay == .fill ? " \(Int((state.opacity * 100).rounded()))%" : "") │ \(state.colorDepth.rawValue)"
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
