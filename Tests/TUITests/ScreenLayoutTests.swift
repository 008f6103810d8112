// What the screen shows where terminals differ: in 16 colours the slice keeps its shades (dithered over the four
// greys) and the labels stay visible as outlines in their hue; three views use the screen's shape.

import Cells
import Datastore
import Render
@testable import TUI
import Volume
import XCTest

final class ScreenLayoutTests: XCTestCase {
    /// Indices of the 16 colours on the slice view's cells (both half-block pixels).
    func viewIndices(_ state: AppState) -> [UInt8] {
        let frame = Screen.render(state, width: state.screen.width, height: state.screen.height)
        let inner = Screen.views(state, width: state.screen.width, height: state.screen.height)[0].0.inset(by: 1)
        var indices: [UInt8] = []
        for y in inner.y..<inner.maxY {
            for x in inner.x..<inner.maxX {
                for color in [frame[x, y].style.foreground, frame[x, y].style.background] {
                    if case .indexed(let n) = color { indices.append(n) }
                }
            }
        }
        return indices
    }

    func testSixteenColoursDitherTheSliceAndOutlineTheLabels() {
        var state = OpenedStudy.state()
        state.colorDepth = .palette16
        state.screen = (120, 40)
        // A label square in the middle slice.
        let k = state.cursor.k
        for j in 10..<20 { for i in 10..<20 { state.open!.draft.labels[VoxelIndex(i, j, k)] = 1 } }
        let indices = viewIndices(state)
        let greys: Set<UInt8> = [0, 8, 7, 15]
        XCTAssertEqual(Set(indices.filter { greys.contains($0) }), greys, "all four greys carry the slice's shades")
        let hues = indices.filter { !greys.contains($0) }
        XCTAssertGreaterThan(hues.count, 20, "the label shows in a hue")
        // An outline, not a fill: far fewer label pixels than the square covers on screen.
        state.colorDepth = .truecolor
        state.overlay = .fill
        let filled = Screen.render(state, width: 120, height: 40)
        let inner = Screen.views(state, width: 120, height: 40)[0].0.inset(by: 1)
        var covered = 0
        let label = state.palette.color(1)
        for y in inner.y..<inner.maxY { for x in inner.x..<inner.maxX {
            if case .rgb(let c) = filled[x, y].style.background, c != RGB(gray: c.r), abs(Int(c.r) - Int(label.r)) < 120 { covered += 1 }
        } }
        XCTAssertLessThan(hues.count, covered, "outlined (\(hues.count) pixels) rather than filled (\(covered) cells)")

        // A uniform grey comes back as its mean over a 4×4 dither block.
        for grey in stride(from: 0, through: 255, by: 15) {
            var sum = 0
            for y in 0..<4 { for x in 0..<4 {
                let index = ColorQuantizer.index16(RGB(gray: UInt8(grey)), x: x, y: y)
                sum += [0: 0, 8: 127, 7: 229, 15: 255][Int(index)]!
            } }
            XCTAssertEqual(Double(sum) / 16, Double(grey), accuracy: 8.5, "grey \(grey)")
        }
    }

    func testThreeViewsFillTheScreensShape() {
        var state = OpenedStudy.state()
        state.layout = .threeUp
        // A usual terminal: a 2×2 grid, the fourth quarter naming the study.
        let views = Screen.views(state, width: 200, height: 60)
        XCTAssertEqual(views.map(\.1), [.axial, .coronal, .sagittal])
        XCTAssertEqual(views[0].0.y, views[1].0.y)
        XCTAssertEqual(views[0].0.x, views[2].0.x)
        XCTAssertGreaterThan(views[2].0.y, views[0].0.y)
        XCTAssertGreaterThanOrEqual(views[0].0.width, 70)
        let frame = Screen.render(state, width: 200, height: 60)
        let panel = frame.lines[(views[2].0.y)..<views[2].0.maxY].map { String($0.dropFirst(views[1].0.x)) }.joined(separator: "\n")
        XCTAssertTrue(panel.contains("32×32×12 voxels"), panel)
        XCTAssertTrue(panel.contains("▶ 1 label 1"), panel)
        // A very wide, low terminal: three columns.
        let wide = Screen.views(state, width: 300, height: 40)
        XCTAssertEqual(Set(wide.map(\.0.y)).count, 1)
        XCTAssertEqual(wide.count, 3)
    }

    /// With pixels the view's picture covers its cells at the terminal's resolution (kitty: one pixel per slice pixel,
    /// scaled by the terminal), and a click on a cell still lands on the voxel shown there.
    func testPicturesCoverTheViewAndClicksLandWhereTheyShow() {
        var state = OpenedStudy.state()
        state.graphics = .sixel
        state.cellPixels = (8, 16)
        let pictures = Screen.pictures(state, width: 100, height: 30)
        let inner = Screen.views(state, width: 100, height: 30)[0].0.inset(by: 1)
        XCTAssertEqual(pictures.count, 1)
        XCTAssertEqual(pictures[0].rect, inner)
        XCTAssertEqual(pictures[0].width, inner.width * 8)
        XCTAssertEqual(pictures[0].height, inner.height * 16)
        // The cells under the picture are left blank for it.
        let frame = Screen.render(state, width: 100, height: 30)
        XCTAssertEqual(frame[inner.x + inner.width / 2, inner.y + 3], Cell.blank)
        // Kitty scales: the picture has about one pixel per slice pixel, in the view's shape.
        state.graphics = .kitty
        let scaled = Screen.pictures(state, width: 100, height: 30)[0]
        XCTAssertLessThan(scaled.width, inner.width * 8)
        XCTAssertEqual(Double(scaled.width) / Double(scaled.height), Double(inner.width * 8) / Double(inner.height * 16), accuracy: 0.05)
        // A click lands on the voxel shown under it: the cell that shows slice pixel (8, 20) with half blocks (the
        // same fit, cells of 1:2) shows it with pixels too.
        state.graphics = .cells
        let target = Screen.mapping(state, plane: state.plane)!.screenPixel(column: 8, row: 20)
        state.graphics = .sixel
        _ = Reducer.reduce(&state, .mouse(button: .left, x: inner.x + target.x, y: inner.y + target.y / 2, pressed: true))
        let p = state.geometry!.position(of: state.cursor)
        XCTAssertEqual(Double(p.column), 8, accuracy: 1)
        XCTAssertEqual(Double(p.row), 20, accuracy: 1)
    }
}
