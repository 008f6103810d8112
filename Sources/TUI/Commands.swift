// Every command of the app, with the one line of help that the key overlay shows: help is generated from this
// table and the keymap, never written by hand.

public enum Command: String, CaseIterable, Sendable {
    case cursorLeft = "cursor-left", cursorRight = "cursor-right", cursorUp = "cursor-up", cursorDown = "cursor-down"
    case cursorLeftFast = "cursor-left-fast", cursorRightFast = "cursor-right-fast"
    case cursorUpFast = "cursor-up-fast", cursorDownFast = "cursor-down-fast"
    case nextSlice = "next-slice", previousSlice = "previous-slice"
    case nextSliceFast = "next-slice-fast", previousSliceFast = "previous-slice-fast"
    case axial, coronal, sagittal
    case cyclePlane = "cycle-plane", toggleLayout = "toggle-layout"
    case zoomIn = "zoom-in", zoomOut = "zoom-out", resetView = "reset-view"
    case panLeft = "pan-left", panRight = "pan-right", panUp = "pan-up", panDown = "pan-down"
    case windowSoftTissue = "window-soft-tissue", windowLung = "window-lung", windowBone = "window-bone"
    case windowBrain = "window-brain", windowAuto = "window-auto"
    case windowWider = "window-wider", windowNarrower = "window-narrower"
    case levelUp = "level-up", levelDown = "level-down"
    case toggleOverlay = "toggle-overlay", opacityUp = "opacity-up", opacityDown = "opacity-down"
    case nextStudy = "next-study", previousStudy = "previous-study", openStudy = "open-study"
    case focusList = "focus-list"
    case cycleStrategy = "cycle-strategy", openSuggested = "open-suggested"
    case clickPositive = "click-positive", clickNegative = "click-negative"
    case box, lasso
    case scribbleForeground = "scribble-foreground", scribbleBackground = "scribble-background"
    case paint, erase
    case brushBigger = "brush-bigger", brushSmaller = "brush-smaller", brush3D = "brush-3d"
    case nextLabel = "next-label", previousLabel = "previous-label"
    case renameLabel = "rename-label", recolorLabel = "recolor-label"
    case undo, redo
    case clearLabel = "clear-label", interpolate
    case segment
    case cycleAssistant = "cycle-assistant", autoSegment = "auto-segment", refine, train
    case saveDraft = "save-draft", submit
    case cancel
    case help
    case redraw
    case suspend
    case quit

    public var help: String {
        switch self {
        case .cursorLeft: "move the cursor left"
        case .cursorRight: "move the cursor right"
        case .cursorUp: "move the cursor up"
        case .cursorDown: "move the cursor down"
        case .cursorLeftFast: "move the cursor left by 10"
        case .cursorRightFast: "move the cursor right by 10"
        case .cursorUpFast: "move the cursor up by 10"
        case .cursorDownFast: "move the cursor down by 10"
        case .nextSlice: "next slice (toward superior, anterior or left)"
        case .previousSlice: "previous slice"
        case .nextSliceFast: "10 slices on"
        case .previousSliceFast: "10 slices back"
        case .axial: "axial view"
        case .coronal: "coronal view"
        case .sagittal: "sagittal view"
        case .cyclePlane: "next view plane"
        case .toggleLayout: "one view / three views side by side"
        case .zoomIn: "zoom in around the cursor"
        case .zoomOut: "zoom out"
        case .resetView: "fit the slice, centred"
        case .panLeft: "pan the view left (when zoomed)"
        case .panRight: "pan the view right"
        case .panUp: "pan the view up"
        case .panDown: "pan the view down"
        case .windowSoftTissue: "window: soft tissue 400/40"
        case .windowLung: "window: lung 1500/−600"
        case .windowBone: "window: bone 1800/400"
        case .windowBrain: "window: brain 80/40"
        case .windowAuto: "window: 1st–99th percentile of the image"
        case .windowWider: "widen the window"
        case .windowNarrower: "narrow the window"
        case .levelUp: "raise the level"
        case .levelDown: "lower the level"
        case .toggleOverlay: "labels: filled, outlined, hidden"
        case .opacityUp: "more opaque labels"
        case .opacityDown: "more transparent labels"
        case .nextStudy: "select the next study"
        case .previousStudy: "select the previous study"
        case .openStudy: "open the selected study"
        case .focusList: "go to the study list"
        case .clickPositive: "positive click at the cursor (a seed of the active label)"
        case .clickNegative: "negative click at the cursor (a background seed)"
        case .box: "box prompt: at one corner, then again at the other on the same slice (the structure lies inside)"
        case .lasso: "lasso prompt: trace the outline on the slice, then again to close it (its inside is the structure)"
        case .scribbleForeground: "scribble the active label while moving (again: stop)"
        case .scribbleBackground: "scribble background while moving (again: stop)"
        case .paint: "paint the active label with the brush while moving (again: stop)"
        case .erase: "erase labels with the brush while moving (again: stop)"
        case .brushBigger: "bigger brush"
        case .brushSmaller: "smaller brush"
        case .brush3D: "brush: disk in the slice / sphere in 3D"
        case .nextLabel: "next label (past the last: a new one)"
        case .previousLabel: "previous label"
        case .renameLabel: "name the active label (kept with the study)"
        case .recolorLabel: "next colour for the active label (kept with the study)"
        case .cycleAssistant: "click tool: classical graph cut, DeepGrow 2D, DeepGrow 3D, DeepEdit"
        case .cycleStrategy: "rank the unlabeled studies by: first, random, epistemic (MC dropout), aleatoric (TTA)"
        case .openSuggested: "open the study the ranking suggests (the best one nobody holds)"
        case .autoSegment: "segment the whole study with the automatic (or DeepEdit) model"
        case .refine: "refine the active label: scribbles + the model's probabilities, graph cut"
        case .train: "train the click tool's model in the background (again: stop)"
        case .undo: "undo"
        case .redo: "redo"
        case .clearLabel: "clear the active label from the draft (undoable)"
        case .interpolate: "fill the active label between the slices of this view it is drawn on (undoable)"
        case .segment: "segment from the seeds with the click tool (graph cut, or the model)"
        case .saveDraft: "save the draft (it is journaled as you go)"
        case .submit: "submit the draft as the final label"
        case .cancel: "cancel: close help, stop a running job, leave the brush"
        case .help: "show or hide this help"
        case .redraw: "redraw the whole screen"
        case .suspend: "suspend to the shell (fg comes back)"
        case .quit: "quit (nothing is lost)"
        }
    }
}
