// Screen pixels → cells, two pixels per cell: "▀" with the upper pixel as foreground and the lower as
// background; a plain space with only a background where both are equal (fewer bytes to send).

import Cells

public enum HalfBlocks {
    public static func cell(upper: RGB, lower: RGB) -> Cell {
        upper == lower
            ? Cell(" ", style: Style(background: .rgb(lower)))
            : Cell(Cell.upperHalf, style: Style(foreground: .rgb(upper), background: .rgb(lower)))
    }

    /// Draws a raster (height = 2 × rect.height) into a rect of the buffer.
    public static func draw(_ raster: SliceRaster, into buffer: inout CellBuffer, at rect: Rect) {
        for row in 0..<min(rect.height, raster.height / 2) {
            for column in 0..<min(rect.width, raster.width) {
                buffer[rect.x + column, rect.y + row] = cell(upper: raster[column, 2 * row], lower: raster[column, 2 * row + 1])
            }
        }
    }
}
