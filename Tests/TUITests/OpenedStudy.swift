// A small CT phantom opened in the app, and keys pressed on it: the starting point of the annotation tests.

import Cells
import Datastore
import TUI
import Volume
import VolumeTesting

enum OpenedStudy {
    /// `spacing`: in-plane and across slices (mm); the default's coarse voxels keep the screens small.
    static func state(spacing: [Double] = [9, 0, 14]) -> AppState {
        var state = AppState(folder: "/data", studies: [StudyEntry(id: "a", status: "unlabeled")])
        let phantom = AbdomenPhantom.make(seed: 3, shape: [32, 32, 12], spacing: spacing)
        _ = Reducer.reduce(&state, .studyLoaded(OpenStudy(id: "a", image: phantom.image, draft: Draft(labels: LabelVolume(grid: phantom.image.grid)), isCT: true)))
        state.screen = (100, 30)
        return state
    }

    static func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
        keys.flatMap { Reducer.reduce(&state, .key($0)) }
    }
}
