// What the user does, as the terminal backend reports it: keys, mouse, resize.

public enum Key: Hashable, Sendable {
    case character(Character)
    case control(Character)
    case up, down, left, right, pageUp, pageDown, home, end, enter, escape, backspace, tab, backTab, delete
    case shiftUp, shiftDown, shiftLeft, shiftRight
    case function(Int)
}

public enum MouseButton: Hashable, Sendable { case left, right, middle, wheelUp, wheelDown, none }

public enum InputEvent: Hashable, Sendable {
    case key(Key)
    /// A button pressed (or moved with it held) at a cell.
    case mouse(button: MouseButton, x: Int, y: Int, pressed: Bool)
    case resize(width: Int, height: Int)
}

