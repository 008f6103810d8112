// /datastore/: the study list in MONAI Label's shapes, image and label downloads (streamed from disk), image
// uploads and removals, and label saves, each a new version in the study list with its author. A save respects
// claims: a study open in someone's terminal is not overwritten from the API.

import App
import Datastore
import Foundation
import Volume

extension MonaiAPI {
    func datastore(_ request: ServerRequest, segments: [String], user: String) throws -> ServerResponse {
        switch (request.method, segments.joined(separator: "/")) {
        case ("GET", ""): return .json(try datastoreSummary(request.query["output"] ?? "stats"))
        case ("PUT", ""), ("PUT", "image"): return try uploadImage(request, user: user)
        case ("DELETE", ""), ("DELETE", "image"): return try removeImage(request, user: user)
        case ("GET", "image"), ("HEAD", "image"):
            let study = try study(request.query["image"])
            let path = try insideFolder(study.path)
            return try .file(path, filename: (study.path as NSString).lastPathComponent)
        case ("GET", "image/info"):
            return .json(imageInfo(try study(request.query["image"]), labels: try database.studyRows()))
        case ("GET", "label"), ("HEAD", "label"):
            let study = try study(request.query["label"] ?? request.query["image"], parameter: "label")
            let tag = try self.tag(request.query["tag"])
            let version = request.query["version"].flatMap(Int.init)
            let versions = try database.labelVersions(study.imageId, tag: tag)
            guard let record = version.map({ v in versions.first { $0.version == v } }) ?? versions.last else {
                throw APIError(404, "\(study.imageId) has no \(tag) label" + (version.map { " version \($0)" } ?? ""))
            }
            return try .file(record.path, filename: "\(study.imageId).nii.gz")
        case ("PUT", "label"): return try saveLabel(request, user: user)
        default: throw APIError(404, "no route \(request.method) \(request.path)")
        }
    }

    /// A label tag from a query parameter ("final" when absent).
    func tag(_ value: String?) throws -> String {
        guard let value, !value.isEmpty else { return "final" }
        try PathName.check(value, as: "tag")
        return value
    }

    /// An image's path, refused if it has become a link out of the folder since it was listed.
    func insideFolder(_ relative: String) throws -> String {
        let path = database.location.folder + "/" + relative
        let root = realpath(database.location.folder, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) }
            ?? database.location.folder
        if let refusal = StudyFolder.refusal(path, name: (relative as NSString).lastPathComponent, inside: root) {
            throw APIError(404, "\(TerminalText.escaped(relative)): \(refusal)")
        }
        return path
    }

    /// GET /datastore/?output=stats|all|train.
    func datastoreSummary(_ output: String) throws -> Any {
        let rows = try database.studyRows().filter { $0.study.status != .missing }
        switch output {
        case "stats":
            return datastoreStats(rows)
        case "all":
            var objects: [String: Any] = [:]
            for row in rows {
                var labels: [String: Any] = [:]
                for (tag, version) in row.newest {
                    labels[tag] = ["ext": ".nii.gz", "info": [
                        "ts": Int(version.createdAt.timeIntervalSince1970), "name": "\(row.study.imageId).nii.gz",
                        "version": version.version, "author": version.author, "user": version.author,
                    ] as [String: Any]]
                }
                objects[row.study.imageId] = ["image": ["ext": extensionOf(row.study.path), "info": imageInfo(row.study, labels: [row])],
                                              "labels": labels]
            }
            return ["name": (database.location.folder as NSString).lastPathComponent, "description": "TermLabel study folder",
                    "images_dir": "", "labels_dir": "labels", "objects": objects] as [String: Any]
        case "train":
            return try database.finalLabels().map { ["image": database.location.folder + "/" + $0.study.path, "label": $0.label.path] }
        default:
            throw APIError(400, "output must be stats, all or train, not \(TerminalText.escaped(output))")
        }
    }

    func datastoreStats(_ rows: [StudyRow]) -> [String: Any] {
        var tags: [String: Int] = [:]
        for row in rows { for tag in row.newest.keys { tags[tag, default: 0] += 1 } }
        return ["total": rows.count, "completed": rows.filter { $0.newest["final"] != nil }.count, "label_tags": tags]
    }

    func extensionOf(_ path: String) -> String {
        path.hasSuffix(".nii.gz") ? ".nii.gz" : (path as NSString).pathExtension.isEmpty ? "" : "." + (path as NSString).pathExtension
    }

    func imageInfo(_ study: Study, labels rows: [StudyRow]) -> [String: Any] {
        var info: [String: Any] = ["ts": Int(study.addedAt.timeIntervalSince1970), "name": study.path, "status": study.status.rawValue,
                                   "shape": study.shape, "spacing": study.spacing]
        if let row = rows.first(where: { $0.study.imageId == study.imageId }) {
            if let claim = row.claim, !claim.isExpired(at: Date()) { info["claimed_by"] = claim.holder }
            if let review = row.review { info["review"] = review.verdictText }
        }
        return info
    }

    /// PUT /datastore/?image=ID: a new study from a NIfTI or NRRD upload (multipart field "file"), written as NIfTI.
    func uploadImage(_ request: ServerRequest, user: String) throws -> ServerResponse {
        let parts = try request.parts()
        guard let file = parts.first(where: { $0.name == "file" }) ?? parts.first(where: { $0.filename != nil }) else {
            throw APIError(400, "no file in the upload (a multipart field named file)")
        }
        let uploadName = ((file.filename ?? "") as NSString).lastPathComponent
        let named = request.query["image"].flatMap { $0.isEmpty ? nil : $0 }
        guard let id = named ?? StudyFolder.imageId(of: uploadName) ?? (uploadName.hasSuffix(".nrrd") ? String(uploadName.dropLast(5)) : nil) else {
            throw APIError(400, "name the image: ?image=ID, or upload a file named ID.nii.gz, ID.nii or ID.nrrd")
        }
        try PathName.check(id, as: "image id")
        let author = actingUser(user, params: try MonaiAPI.params(parts))
        let folder = database.location.folder
        let listed: Bool
        do { _ = try database.study(id); listed = true } catch DatastoreError.unknownStudy { listed = false }
        if listed || FileManager.default.fileExists(atPath: folder + "/\(id).nii.gz") || FileManager.default.fileExists(atPath: folder + "/\(id).nii") {
            throw APIError(409, "the image id \(id) is taken; upload under another name")
        }

        let received = scratch + "/upload-\(UUID().uuidString)" + (NrrdFile.isNrrd(uploadName) || file.data.starts(with: Data("NRRD".utf8)) ? ".nrrd" : ".nii.gz")
        try file.data.write(to: URL(fileURLWithPath: received))
        defer { unlink(received) }
        // Read whole before it becomes a study: a truncated or impossible file is refused here, naming the upload.
        let image: Volume
        do {
            image = received.hasSuffix(".nrrd") ? try NrrdFile.readVolume(received) : try Volume(contentsOf: received)
        } catch let error as VolumeError {
            throw APIError(400, "\(TerminalText.escaped(uploadName.isEmpty ? id : uploadName)): \(error.reason)")
        }
        let gzip = file.data.starts(with: [0x1f, 0x8b])
        let destination = folder + "/\(id)" + (received.hasSuffix(".nrrd") || gzip ? ".nii.gz" : ".nii")
        let ready = scratch + "/ready-\(UUID().uuidString)" + (destination.hasSuffix(".gz") ? ".nii.gz" : ".nii")
        defer { unlink(ready) }
        if received.hasSuffix(".nrrd") { try image.write(to: ready) } else { try FileManager.default.copyItem(atPath: received, toPath: ready) }
        // link() never replaces: two uploads of one id at once, one wins and the other hears so.
        guard link(ready, destination) == 0 else {
            if errno == EEXIST { throw APIError(409, "the image id \(id) is taken; upload under another name") }
            throw APIError(500, "\(destination): \(String(cString: strerror(errno)))")
        }
        let report = try database.sync(author: author)
        guard report.added.contains(id) || report.returned.contains(id) else {
            throw APIError(500, "\(id) was written but not listed: \(report.problems.joined(separator: "; "))")
        }
        return .json(["image": id])
    }

    /// DELETE /datastore/?id=ID: the image and its current labels leave the folder for the study list's removed/
    /// folder (the label history stays); the study is listed as missing.
    func removeImage(_ request: ServerRequest, user: String) throws -> ServerResponse {
        let study = try study(request.query["id"] ?? request.query["image"], parameter: "id")
        try refuseIfHeldByAnother(study.imageId, user: user)
        let removed = database.location.dataFolder + "/removed"
        try FileManager.default.createDirectory(atPath: removed, withIntermediateDirectories: true)
        let stamp = ModelShelf.runStamp()
        let source = try insideFolder(study.path)
        guard rename(source, removed + "/\(stamp)-\(study.path)") == 0 else {
            throw APIError(500, "\(study.path) cannot be moved: \(String(cString: strerror(errno)))")
        }
        for version in try database.labelVersions(study.imageId) {
            let current = database.location.labelsFolder + "/\(version.tag)/\(study.imageId).nii.gz"
            if FileManager.default.fileExists(atPath: current) {
                _ = rename(current, removed + "/\(stamp)-labels-\(version.tag)-\(study.imageId).nii.gz")
            }
        }
        try database.sync(author: user)
        return .json([String: Any]())
    }

    /// Refuses work on a study another annotator holds (a live claim of another user or process).
    func refuseIfHeldByAnother(_ id: String, user: String) throws {
        guard let held = try database.claim(of: id), !held.isExpired(at: Date()) else { return }
        let me = annotator(user)
        if held.user == me.user && held.host == me.host && held.pid == me.pid { return }
        if held.processIsGone { return }
        throw DatastoreError.claimed(study: id, by: held.holder, since: held.claimedAt, until: held.expiresAt)
    }

    /// PUT /datastore/label?image=ID&tag=TAG: multipart "label" (NIfTI or NRRD on the image's grid) and "params".
    /// Saved as a new version on top of the newest (or on params.based_on, refused if another came since).
    func saveLabel(_ request: ServerRequest, user: String) throws -> ServerResponse {
        let study = try study(request.query["image"])
        let tag = try self.tag(request.query["tag"])
        let parts = try request.parts()
        let params = try MonaiAPI.params(parts)
        guard let file = parts.first(where: { $0.name == "label" }) else { throw APIError(400, "no label in the request (a multipart field named label)") }
        let author = actingUser(user, params: params)
        try refuseIfHeldByAnother(study.imageId, user: author)
        var label = try readUploadedLabel(file, for: study)
        // The image's own header geometry, so that the saved file overlays it exactly in every viewer.
        label.grid = try NiftiFile.open(try insideFolder(study.path)).grid
        var basedOn = try database.newestLabel(study.imageId, tag: tag)?.version
        if let asked = params["based_on"] {
            guard let version = (asked as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }) else {
                throw APIError(400, "params.based_on must be a version number")
            }
            basedOn = version
        }
        let names = try labelNames(params)
        let version = try database.saveLabel(label, imageId: study.imageId, tag: tag, basedOn: basedOn, author: author, names: names)
        if tag == "final" { try database.releaseClaim(study.imageId, by: annotator(author)) }
        return .json(["image": study.imageId, "label": study.imageId, "tag": tag, "version": version.version])
    }

    /// An uploaded label map, checked to lie on the study's image grid.
    func readUploadedLabel(_ part: MultipartPart, for study: Study) throws -> LabelVolume {
        let name = ((part.filename ?? "label.nii.gz") as NSString).lastPathComponent
        let nrrd = name.lowercased().hasSuffix(".nrrd") || part.data.starts(with: Data("NRRD".utf8))
        let received = scratch + "/label-\(UUID().uuidString)" + (nrrd ? ".nrrd" : part.data.starts(with: [0x1f, 0x8b]) ? ".nii.gz" : ".nii")
        try part.data.write(to: URL(fileURLWithPath: received))
        defer { unlink(received) }
        let label: LabelVolume
        do { label = try LabelVolume(contentsOfAnyFormat: received) } catch let error as VolumeError {
            throw APIError(400, "\(TerminalText.escaped(name)): \(error.reason)")
        }
        let grid = try NiftiFile.open(try insideFolder(study.path)).grid
        guard label.grid.shape == grid.shape else {
            throw APIError(400, "\(TerminalText.escaped(name)): its shape \(label.grid.shape) is not the image's \(grid.shape)")
        }
        guard label.grid.matches(grid, tolerance: 1e-3) else {
            throw APIError(400, "\(TerminalText.escaped(name)): its position or orientation differs from \(study.imageId)'s")
        }
        return label
    }

    /// Label names from params.label_info ([{"name": …, "idx": …}], as OHIF and Slicer send them), else labels.json.
    func labelNames(_ params: [String: Any]) throws -> [LabelName] {
        if let info = params["label_info"] as? [[String: Any]] {
            return info.compactMap { entry in
                guard let name = entry["name"] as? String, let idx = (entry["idx"] as? NSNumber).flatMap({ UInt16(exactly: $0.doubleValue) }) else { return nil }
                return LabelName(value: idx, name: name, color: nil)
            }
        }
        return try LabelNamesFile.read(database.location.folder + "/labels.json")
    }

    /// Without tokens, a client's own id (params.client_id) names its saves, if it is a usable name.
    func actingUser(_ user: String, params: [String: Any]) -> String {
        guard !tokens.isEnabled, let id = params["client_id"] as? String, id.count <= 64, (try? PathName.check(id, as: "user")) != nil else { return user }
        return id
    }
}
