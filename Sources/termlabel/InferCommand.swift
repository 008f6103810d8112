// `termlabel infer DIR --study ID --model KIND`: the model a kind serves in the folder on one study, with or without clicks.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Engine
import Foundation
import Learning
import Segmenters
import Volume

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run the model a kind serves (termlabel model list) on one study and write the label volume."
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Option(help: "The study (image id).")
    var study: String

    @Option(help: "deepedit, deepgrow2d, deepgrow3d or auto.")
    var model: ModelKind

    @Option(help: """
        Clicks as JSON in the image's voxel indices: {"foreground": [[i,j,k],…], "background": […]} for DeepGrow; \
        one list per label name plus "background" for DeepEdit. None: automatic mode.
        """)
    var clicks: String?

    @Option(help: "Label value DeepGrow writes.")
    var label: UInt16 = 1

    @Option(help: "Where to write the labels (.nii.gz).")
    var out: String

    @Flag(help: "Keep only the largest connected piece of each label.")
    var largestComponent = false

    @Flag(help: "The network's answer as it is: not settled on the image by a graph cut (DeepGrow 2D: on its slice).")
    var raw = false

    func run() throws {
        let database = try studyFolder.database()
        let shelf = ModelShelf(database: database)
        guard let (record, model) = try shelf.current(self.model) else {
            throw ModelError.noModel([self.model], hint: "train one with `termlabel train \(studyFolder.folder) --model \(self.model.rawValue)`")
        }
        let study = try database.study(self.study)
        let image = try Volume(contentsOf: database.location.folder + "/" + study.path)
        let names = Dictionary(model.config.labels.map { ($0.name, $0.value) }) { a, _ in a }
        var clicks = try self.clicks.map { try ClickJSON.read($0, labels: names, within: image.grid) } ?? []
        // DeepGrow's "foreground" clicks are for the label it writes.
        if self.model.isDeepGrow { clicks = clicks.map { $0.positive ? Click($0.voxel, label: label, positive: true) : $0 } }
        let start = DispatchTime.now()
        let clickSet = ClickSet(clicks)
        // With clicks, the models answer as in the app: settled on the image, the clicks as 3 mm seeds.
        var result = try Inference.answer(model, PreparedImage(image, config: model.config), image: image, clicks: clickSet, label: label,
                                          settlingWith: raw ? nil : clickSet.seeds(radiusMM: 3, grid: image.grid),
                                          likelihood: record.settlingLikelihood).labels
        if largestComponent { result = Inference.largestComponents(result) }
        let elapsed = seconds(since: start)
        try result.write(to: out)
        print(String(format: "%@ with %@: %d labelled voxels in %.2f s → %@", self.study, record.name,
                     result.voxels.filter { $0 != 0 }.count, elapsed, out))
    }
}
