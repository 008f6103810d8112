// Everything the app shows, as one value. The reducer changes it; views draw it; effects (loading, saving,
// segmenting) run elsewhere and come back as actions.

import Cells
import Datastore
import Learning
import Render
import Volume

public struct StudyEntry: Sendable, Equatable {
    public var id: String
    public var status: String
    public var labels: String
    public var claimedBy: String?
    /// Place in the active-learning ranking (1 = label it next) and the strategy's score, for unlabeled studies.
    public var rank: Int?
    public var score: Double?
    /// Why the file cannot be opened, for an image that is not a study (shown greyed out).
    public var problem: String?

    public init(id: String, status: String, labels: String = "", claimedBy: String? = nil, rank: Int? = nil, score: Double? = nil,
                problem: String? = nil) {
        self.problem = problem
        self.id = id
        self.status = status
        self.labels = labels
        self.claimedBy = claimedBy
        self.rank = rank
        self.score = score
    }
}

/// An opened study: its image, the draft being made over it, and the final version it started from.
public struct OpenStudy: Sendable {
    public var id: String
    public var image: Volume
    public var draft: Draft
    public var baseVersion: Int?
    /// Intensities are Hounsfield units (the CT presets apply).
    public var isCT: Bool
    /// Label names (value 1 first), as stored with the study.
    public var labelNames: [LabelName]
    /// Someone else holds the study: it can be looked at, not edited.
    public var readOnly: Bool

    public init(id: String, image: Volume, draft: Draft, baseVersion: Int? = nil, isCT: Bool, labelNames: [LabelName] = [],
                readOnly: Bool = false) {
        self.readOnly = readOnly
        self.id = id
        self.image = image
        self.draft = draft
        self.baseVersion = baseVersion
        self.isCT = isCT
        self.labelNames = labelNames
    }

    public var labels: LabelVolume { draft.labels }

    public func name(of label: UInt16) -> String {
        labelNames.first { $0.value == label }?.name ?? "label \(label)"
    }

    /// Sets a label's name or colour, adding the label to the list when it is new.
    mutating func update(_ label: UInt16, name: String? = nil, color: RGB? = nil) {
        if !labelNames.contains(where: { $0.value == label }) {
            labelNames.append(LabelName(value: label, name: self.name(of: label)))
            labelNames.sort { $0.value < $1.value }
        }
        let n = labelNames.firstIndex { $0.value == label }!
        if let name { labelNames[n].name = name }
        if let color { labelNames[n].color = color.description }
    }
}

/// A line of text being typed on the message line (a label's new name).
public struct Prompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable { case renameLabel(UInt16), rejectComment, flagComment }
    public var purpose: Purpose
    public var title: String
    public var text: String
}

/// What moving the cursor does.
public enum Tool: String, Sendable, CaseIterable {
    case navigate, scribbleForeground = "scribble +", scribbleBackground = "scribble −", paint, erase, box, lasso
}

/// What clicks and `r` call on: the graph cut (no model) or one of the folder's models.
public enum Assistant: String, Sendable, CaseIterable {
    case classical, deepgrow2d = "DeepGrow 2D", deepgrow3d = "DeepGrow 3D", deepedit = "DeepEdit"

    /// The model that answers (DeepEdit for the classical tool: the one `t` trains when no model is chosen).
    public var modelKind: ModelKind {
        switch self {
        case .deepgrow2d: .deepgrow2d
        case .deepgrow3d: .deepgrow3d
        case .deepedit, .classical: .deepedit
        }
    }
}

public enum Focus: Sendable { case list, view }
public enum Layout: Sendable { case single, threeUp }

public struct AppState: Sendable {
    public var folder: String
    public var studies: [StudyEntry]
    public var selected = 0
    public var focus: Focus = .list
    public var open: OpenStudy?
    public var cursor = VoxelIndex(0, 0, 0)
    public var plane: SlicePlane = .axial
    public var layout: Layout = .single
    public var viewport = Viewport()
    public var window = WindowLevel.softTissue
    public var overlay: OverlayMode = .fill
    public var opacity = 0.45
    public var showHelp = false
    public var message = ""
    public var colorDepth: ColorDepth = .truecolor
    /// Slices as real pixels (kitty, sixel, iTerm2) or half-block cells, and the size of a cell in pixels.
    public var graphics: GraphicsMode = .cells
    public var cellPixels = (width: 10, height: 20)
    public var theme = Theme.dark {
        didSet { opacity = theme.opacity }
    }
    /// The theme's label colours, with the colours stored with the open study on top.
    public var palette: LabelPalette {
        var palette = theme.palette
        for entry in open?.labelNames ?? [] { if let hex = entry.color, let rgb = RGB(hex: hex) { palette.overrides[entry.value] = rgb } }
        return palette
    }
    /// Text being typed, when a prompt is open: keys edit it instead of running commands.
    public var prompt: Prompt?
    /// A count typed before a movement (vim's 5j).
    public var pendingCount = 0
    public var keymap = Keymap.defaults
    public var running = true
    public var tool: Tool = .navigate
    /// The corner of a box, or the points of a lasso, drawn so far.
    public var promptPoints: [VoxelIndex] = []
    public var activeLabel: UInt16 = 1
    /// Brush radius in millimetres (scribbles and paint).
    public var brushRadiusMM = 3.0
    public var brush3D = false
    /// Edits not yet saved as a version.
    public var unsaved = false
    /// A segmentation running in the background.
    public var busy: String?
    public var assistant: Assistant = .classical
    /// Background training's progress line, while it runs.
    public var training: String?
    public var strategy: Strategy = .first
    /// After each submit, train the click tool's model in the background.
    public var trainOnSubmit = false
    /// Review mode: the study list is the review queue and decisions are a key away; no model runs.
    public var review: ReviewMode?
    /// Screen size, for mapping mouse positions onto slices.
    public var screen = (width: 80, height: 24)
    /// What the study list's sync could not take in (a label file on another grid than its image's, a bad
    /// labels.json): shown where the slices go until a study is opened.
    public var folderProblems: [String] = []

    public init(folder: String, studies: [StudyEntry]) {
        self.folder = folder
        self.studies = studies
    }

    public var geometry: PlaneGeometry? { open.map { PlaneGeometry(grid: $0.image.grid, plane: plane) } }

    /// The slice number of the cursor in the current plane.
    public var sliceIndex: Int { geometry.map { $0.position(of: cursor).slice } ?? 0 }
}

public enum Action: Sendable {
    case key(Key)
    case mouse(button: MouseButton, x: Int, y: Int, pressed: Bool)
    case resize(width: Int, height: Int)
    /// The terminal's cells are now this many pixels (its font changed): pictures are drawn at the new size.
    case cellSize(width: Int, height: Int)
    /// A study opened; `note` says what the message line should (a restored draft, why it is read-only).
    case studyLoaded(OpenStudy, note: String? = nil)
    /// The study list as stored now (after a submit).
    case studiesListed([StudyEntry])
    /// A segmenter's result for the active label (on the image grid).
    case segmented(LabelVolume, seconds: Double)
    /// A model's answer: `labels` are the values it speaks for, within `region` (nil: everywhere).
    case inferred(LabelVolume, labels: [UInt16], region: VoxelBox?, seconds: Double, note: String)
    /// Background training's progress (nil: it ended; the message says how).
    case training(String?, message: String?)
    case submitted(version: Int)
    /// A ranking of the unlabeled studies, best first: (id, score).
    case ranked(Strategy, [(id: String, score: Double?)])
    /// The review queue as stored now.
    case reviewQueueListed([StudyEntry])
    /// The figures of a study's final version, the decisions on it and what the difference overlay compares with.
    case reviewFiguresLoaded(studyId: String, ReviewFigures, [ReviewDecision], comparison: LabelVolume?, comparisonName: String)
    case decided(ReviewDecision, studyId: String)
    case progress(String)
    case failed(String)
}

public struct SegmentRequest: Sendable, Equatable {
    public var image: Volume
    public var seeds: LabelVolume
    /// The clicks, in order: the seeds hold their balls but not which came first.
    public var clicks: [Click]
    public var label: UInt16
}

public struct ModelRequest: Sendable, Equatable {
    public enum Task: Sendable, Equatable {
        /// Update the active label from the clicks (and scribbles) with a click model.
        case clicks(Assistant)
        /// Every label the automatic (or DeepEdit) model knows, on the whole study.
        case automatic
        /// Graph cut of the active label with the model's probabilities as likelihood and the seeds as constraints.
        case refine
    }
    public var task: Task
    public var studyId: String
    public var image: Volume
    /// Scribbles and the clicks' seed balls, for the graph cut that settles an answer on the image.
    public var seeds: LabelVolume
    /// The clicks, in order: what the click models read.
    public var clicks: [Click]
    public var label: UInt16
}

public enum Effect: Sendable, Equatable {
    case load(studyId: String)
    /// Append this edit of the open draft to the journal.
    case journal(DraftEdit, studyId: String, baseVersion: Int?)
    case segment(SegmentRequest)
    case infer(ModelRequest)
    /// Rank the unlabeled studies (model scores computed where missing, in the background).
    case rank(Strategy)
    /// Start training the model behind this assistant in the background, or stop the training that runs.
    case toggleTraining(Assistant)
    case cancelWork
    /// Keep the open study's label names and colours with its draft.
    case saveLabelNames([LabelName], studyId: String, baseVersion: Int?)
    /// Give the terminal back to the shell until the user resumes the app.
    case suspend
    case submit(studyId: String, labels: LabelVolume, baseVersion: Int?, names: [LabelName])
    /// The study list (leaving review mode).
    case listStudies
    case listReviewQueue(ReviewQueueFilter)
    case loadReviewFigures(studyId: String)
    /// Read the study ahead of a step to it (the next one of the review queue).
    case prefetch(studyId: String)
    case decide(studyId: String, version: Int, verdict: ReviewVerdict, level: Int?, comment: String)
    case invalidateScreen
    case quit
}
