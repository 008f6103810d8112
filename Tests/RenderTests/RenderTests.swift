// Slices to cells: exact colours for a known slice and window, overlay blending, fitting by physical size,
// half-block packing, and dithering that keeps the grey it stands for.

import Cells
import Render
import Volume
import XCTest

final class RenderTests: XCTestCase {
    /// A 4×4 slice whose values are 0, 10, …, 150 row by row (row 0 at the top).
    func slice(pixelWidthMM: Double = 1, pixelHeightMM: Double = 1, width: Int = 4, height: Int = 4) -> Slice<Float> {
        // A RAS grid with i along columns and j along rows; the axial plane shows x and y.
        let grid = Grid(shape: [width, height, 1], affine: .scaling(pixelWidthMM, pixelHeightMM, 1))
        var volume = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        let plane = PlaneGeometry(grid: grid, plane: .axial)
        for row in 0..<height { for column in 0..<width {
            volume[plane.voxel(column: column, row: row, slice: 0)] = Float(10 * (row * width + column))
        } }
        return volume.slice(.axial, at: 0)
    }

    func testAKnownSliceAndWindowGiveExactCells() {
        let image = slice()
        let window = WindowLevel(width: 150, level: 75)   // 0 → black, 150 → white
        let raster = SliceRaster(image: image, window: window, palette: .okabeIto, width: 4, height: 4)
        var buffer = CellBuffer(width: 4, height: 2)
        HalfBlocks.draw(raster, into: &buffer, at: buffer.area)
        // Cell (1, 0): upper pixel = value 10, lower = value 50.
        let gray = { (v: Float) in RGB(gray: UInt8((v / 150 * 255).rounded())) }
        XCTAssertEqual(buffer[1, 0], Cell("▀", style: Style(foreground: .rgb(gray(10)), background: .rgb(gray(50)))))
        XCTAssertEqual(buffer[3, 1], Cell("▀", style: Style(foreground: .rgb(gray(110)), background: .rgb(gray(150)))))
        XCTAssertEqual(window.gray(-5), 0)
        XCTAssertEqual(window.gray(500), 255)
        XCTAssertEqual(WindowLevel.softTissue.lower, -160)
    }

    func testEqualPixelsBecomeABackgroundOnlySpace() {
        let c = HalfBlocks.cell(upper: RGB(gray: 9), lower: RGB(gray: 9))
        XCTAssertEqual(c, Cell(" ", style: Style(background: .rgb(RGB(gray: 9)))))
    }

    func testOverlayBlendsAndOutlines() {
        let image = slice()
        var labels = Slice(geometry: image.geometry, index: 0, pixels: [UInt16](repeating: 0, count: 16))
        for n in [5, 6, 9, 10] { labels.pixels[n] = 1 }   // a 2×2 square in the middle
        let window = WindowLevel(width: 150, level: 75)
        let filled = SliceRaster(image: image, labels: labels, window: window, palette: .okabeIto, overlay: .fill, opacity: 0.5, width: 4, height: 4)
        let under = RGB(gray: window.gray(50))
        XCTAssertEqual(filled[1, 1], Blend.over(under, LabelPalette.okabeIto.color(1), alpha: 0.5))
        XCTAssertEqual(filled[0, 0], RGB(gray: 0))
        XCTAssertEqual(Blend.over(RGB(0, 0, 0), RGB(200, 100, 50), alpha: 0.5), RGB(100, 50, 25))
        // At 8×8 screen pixels each label pixel is 2×2: the outline keeps the edge and leaves the inside grey.
        let outlined = SliceRaster(image: image, labels: labels, window: window, palette: .okabeIto, overlay: .outline, width: 8, height: 8)
        XCTAssertEqual(outlined[2, 2], LabelPalette.okabeIto.color(1))
        XCTAssertEqual(outlined[3, 3], RGB(gray: window.gray(50)), "inside the outline")
        let hidden = SliceRaster(image: image, labels: labels, window: window, palette: .okabeIto, overlay: .hidden, width: 4, height: 4)
        XCTAssertEqual(hidden[1, 1], under)
    }

    func testAnisotropicSliceIsFittedByItsPhysicalSize() {
        // 4 × 4 pixels of 1 × 3 mm: 4 mm wide, 12 mm tall. In a 12 × 12 pixel view it is 4 wide and 12 tall.
        let image = slice(pixelWidthMM: 1, pixelHeightMM: 3)
        let raster = SliceRaster(image: image, window: WindowLevel(width: 150, level: 75), palette: .okabeIto, width: 12, height: 12,
                                 background: RGB(255, 0, 0))
        let imageColumns = (0..<12).filter { raster[$0, 6] != RGB(255, 0, 0) }
        XCTAssertEqual(imageColumns, [4, 5, 6, 7])
        XCTAssertTrue((0..<12).allSatisfy { raster[5, $0] != RGB(255, 0, 0) })
        // Each slice row covers three screen rows.
        XCTAssertEqual(raster[4, 0], raster[4, 2])
        XCTAssertNotEqual(raster[4, 2], raster[4, 3])
        // Zooming ×2 around the centre shows the middle of the slice only.
        let zoomed = SliceMapping(slice: image.geometry, width: 12, height: 12, viewport: Viewport(zoom: 2))
        XCTAssertEqual(zoomed.slicePixel(x: 6, y: 0, sliceWidth: 4, sliceHeight: 4)?.row, 1)
        XCTAssertNil(zoomed.slicePixel(x: 0, y: 0, sliceWidth: 4, sliceHeight: 4), "the slice is narrower than the view")
        let pixel = zoomed.screenPixel(column: 2, row: 2)
        XCTAssertEqual(zoomed.slicePixel(x: pixel.x, y: pixel.y, sliceWidth: 4, sliceHeight: 4)?.column, 2)
    }

    func testDitherKeepsTheGreyItStandsFor() {
        for gray in stride(from: 0, through: 255, by: 7) {
            var sum = 0.0
            for y in 0..<4 { for x in 0..<4 { sum += Double(ColorQuantizer.rgb(of: ColorQuantizer.index256(RGB(gray: UInt8(gray)), x: x, y: y)).r) } }
            XCTAssertEqual(sum / 16, Double(gray), accuracy: 3.2, "grey \(gray)")
        }
        // Palette greys map to themselves; image colours never use the theme's 0–15.
        XCTAssertEqual(ColorQuantizer.index256(RGB(gray: 238), x: 1, y: 2), 255)
        XCTAssertEqual(ColorQuantizer.index256(RGB(gray: 0), x: 0, y: 0), 16)
        XCTAssertGreaterThanOrEqual(ColorQuantizer.index256(RGB(230, 159, 0), x: 3, y: 1), 16)
        XCTAssertEqual(ColorQuantizer.index16(RGB(250, 5, 5), x: 0, y: 0), 9)
        var buffer = CellBuffer(width: 1, height: 1)
        buffer[0, 0] = HalfBlocks.cell(upper: RGB(gray: 128), lower: RGB(gray: 40))
        let down = ColorQuantizer.downgrade(buffer, to: .palette256)
        guard case .indexed = down[0, 0].style.foreground, case .indexed = down[0, 0].style.background else { return XCTFail() }
        XCTAssertEqual(ColorQuantizer.downgrade(buffer, to: .truecolor), buffer)
    }
}
