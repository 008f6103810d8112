// Everything the app shows, as one value. The reducer changes it; views draw it; effects (loading, saving,
// segmenting) run elsewhere and come back as actions.

import Cells
import Render
import Volume

public struct StudyEntry: Sendable, Equatable {
    public var id: String
    public var status: String
    public var labels: String
    public var claimedBy: String?

    public init(id: String, status: String, labels: String = "", claimedBy: String? = nil) {
        self.id = id
        self.status = status
        self.labels = labels
        self.claimedBy = claimedBy
    }
}

/// An opened study: its image and the label shown over it.
public struct OpenStudy: Sendable {
    public var id: String
    public var image: Volume
    public var labels: LabelVolume
    /// Intensities are Hounsfield units (the CT presets apply).
    public var isCT: Bool

    public init(id: String, image: Volume, labels: LabelVolume, isCT: Bool) {
        self.id = id
        self.image = image
        self.labels = labels
        self.isCT = isCT
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
    public var palette = LabelPalette.okabeIto
    /// A count typed before a movement (vim's 5j).
    public var pendingCount = 0
    public var keymap = Keymap.defaults
    public var running = true

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
    case studyLoaded(OpenStudy)
    case failed(String)
}

public enum Effect: Sendable, Equatable {
    case load(studyId: String)
    case invalidateScreen
    case quit
}
