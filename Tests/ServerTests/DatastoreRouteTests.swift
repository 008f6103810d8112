// The study list through MONAI Label's routes: what /info/ and /datastore/ say, downloads byte for byte, uploads,
// removals, label saves as versions with their author, and claims and conflicts between API and app saves.

import Datastore
import Foundation
import ServerTesting
import Server
import Volume
import XCTest

final class DatastoreRouteTests: XCTestCase {
    func testInfoAndDatastoreDescribeTheFolderAndDownloadsAreTheFilesOnDisk() throws {
        let served = try ServedFolder(count: 3, labeled: 1)
        let info = try served.client.get("/info/")
        XCTAssertEqual(info.status, 200)
        XCTAssertEqual(info.object["labels"] as? [String: Int], ["liver": 1, "spleen": 2, "kidney_left": 3, "kidney_right": 4, "lesion": 5])
        let models = try XCTUnwrap(info.object["models"] as? [String: [String: Any]])
        XCTAssertEqual(models["Clicks+GraphCut"]?["type"] as? String, "deepgrow")
        XCTAssertEqual(models["Histogram+GraphCut"]?["type"] as? String, "scribbles")
        XCTAssertNil(models["deepgrow_3d"], "no DeepGrow model is registered, so none is offered")
        XCTAssertEqual(info.object["datastore"] as? NSDictionary, ["total": 3, "completed": 1, "label_tags": ["final": 1]] as NSDictionary)

        let stats = try served.client.get("/datastore/")
        XCTAssertEqual(stats.json as? NSDictionary, ["total": 3, "completed": 1, "label_tags": ["final": 1]] as NSDictionary)
        let all = try served.client.get("/datastore/?output=all")
        let objects = try XCTUnwrap(all.object["objects"] as? [String: [String: Any]])
        XCTAssertEqual(objects.keys.sorted(), ["case_00", "case_01", "case_02"])
        XCTAssertEqual((objects["case_00"]?["labels"] as? [String: Any])?.keys.sorted(), ["final"])
        XCTAssertEqual((objects["case_01"]?["labels"] as? [String: Any])?.count, 0)
        let train = try XCTUnwrap(try served.client.get("/datastore/?output=train").json as? [[String: String]])
        XCTAssertEqual(train.map { ($0["image"]! as NSString).lastPathComponent }, ["case_00.nii.gz"])

        let image = try served.client.get("/datastore/image?image=case_01")
        XCTAssertEqual(image.status, 200)
        XCTAssertEqual(image.body, try served.bytes("case_01.nii.gz"))
        XCTAssertEqual(image.headers["content-disposition"], "attachment; filename=\"case_01.nii.gz\"")
        let head = try served.client.send(method: "HEAD", "/datastore/image?image=case_01")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["content-length"], String(try served.bytes("case_01.nii.gz").count))
        XCTAssertTrue(head.body.isEmpty)

        let label = try served.client.get("/datastore/label?label=case_00&tag=final")
        XCTAssertEqual(label.status, 200)
        XCTAssertEqual(try served.readLabel(label.body, suffix: ".nii.gz").voxels, served.truths["case_00"]!.voxels)
        XCTAssertEqual(try served.client.get("/datastore/label?label=case_01&tag=final").status, 404)
        let imageInfo = try served.client.get("/datastore/image/info?image=case_00")
        XCTAssertEqual(imageInfo.object["shape"] as? [Int], [64, 64, 20])
        XCTAssertEqual(imageInfo.object["status"] as? String, "labeled")
        XCTAssertTrue(served.log.contains { $0.contains("GET /datastore/image?image=case_01 200") }, "one log line per request: \(served.log)")
    }

    func testAnAPISaveIsAVersionByItsClientAndClaimsAndConflictsHoldAcrossAppAndServer() throws {
        let served = try ServedFolder(count: 2, labeled: 0)
        let grid = served.images["case_00"]!.grid
        var first = LabelVolume(grid: grid)
        first.voxels[grid.offset(30, 30, 10)] = 1
        let save = try served.client.multipart(method: "PUT", "/datastore/label?image=case_00&tag=final",
                                               fields: ["params": ServedFolder.json(["client_id": "slicer-bob", "label_info": [["name": "liver", "idx": 1]]])],
                                               files: [("label", "case_00.nii.gz", try served.labelFile(first))])
        XCTAssertEqual(save.status, 200, save.detail)
        XCTAssertEqual(save.object["version"] as? Int, 1)
        let v1 = try XCTUnwrap(try served.database.newestLabel("case_00"))
        XCTAssertEqual(v1.author, "slicer-bob")
        XCTAssertEqual(v1.labelNames, [LabelName(value: 1, name: "liver")])
        // Saved on the image's own header: the file overlays the image in any viewer.
        XCTAssertEqual(try NiftiFile.open(v1.path).grid, try NiftiFile.open(served.path + "/case_00.nii.gz").grid)

        // An annotator opens the study in the app (a live claim of another user): the API may not overwrite it.
        let alice = Annotator(user: "alice", host: ProcessInfo.processInfo.hostName, pid: getpid())
        try served.database.claim("case_00", by: alice)
        let before = try served.snapshot()
        let refused = try served.client.multipart(method: "PUT", "/datastore/label?image=case_00", fields: ["params": #"{"client_id": "slicer-bob"}"#],
                                                  files: [("label", "l.nii.gz", try served.labelFile(first))])
        XCTAssertEqual(refused.status, 409)
        XCTAssertTrue(refused.detail.contains("alice@"), refused.detail)
        XCTAssertEqual(try served.snapshot(), before, "a refused save writes nothing")

        // Alice saves from version 1 and lets go; a Slicer user who started from version 1 is then told, not obeyed.
        var second = first
        second.voxels[grid.offset(31, 30, 10)] = 1
        try served.database.saveLabel(second, imageId: "case_00", basedOn: 1, author: "alice")
        try served.database.releaseClaim("case_00", by: alice)
        let stale = try served.client.multipart(method: "PUT", "/datastore/label?image=case_00",
                                                fields: ["params": #"{"client_id": "slicer-bob", "based_on": 1}"#],
                                                files: [("label", "l.nii.gz", try served.labelFile(first))])
        XCTAssertEqual(stale.status, 409)
        XCTAssertTrue(stale.detail.contains("version 2 by alice"), stale.detail)
        XCTAssertEqual(try served.database.labelVersions("case_00").count, 2)

        // And the other way: the app's submit from version 2 after an API save of version 3 is a conflict.
        let third = try served.client.multipart(method: "PUT", "/datastore/label?image=case_00", fields: ["params": #"{"client_id": "slicer-bob"}"#],
                                                files: [("label", "l.nrrd", try served.labelFile(second, nrrd: true))])
        XCTAssertEqual(third.status, 200, third.detail)
        XCTAssertEqual(third.object["version"] as? Int, 3)
        XCTAssertThrowsError(try served.database.saveLabel(second, imageId: "case_00", basedOn: 2, author: "alice")) { error in
            guard case DatastoreError.conflict(_, _, _, let latest, let author)? = error as? DatastoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(latest, 3)
            XCTAssertEqual(author, "slicer-bob")
        }
        XCTAssertEqual(try served.database.readLabel("case_00")?.voxels, second.voxels, "the NRRD upload was saved voxel for voxel")
    }

    func testUploadsBecomeStudiesAndRemovalKeepsTheFiles() throws {
        let served = try ServedFolder(count: 1, labeled: 1)
        let upload = try served.client.multipart(method: "PUT", "/datastore/?image=new_ct", fields: ["params": "{}"],
                                                 files: [("file", "x.nii.gz", try served.bytes("case_00.nii.gz"))])
        XCTAssertEqual(upload.status, 200, upload.detail)
        XCTAssertEqual(upload.object["image"] as? String, "new_ct")
        XCTAssertEqual(try served.bytes("new_ct.nii.gz"), try served.bytes("case_00.nii.gz"))
        XCTAssertEqual(try served.database.study("new_ct").status, .unlabeled)

        // An NRRD upload is written as NIfTI with the same voxels and geometry.
        let nrrd = try served.labelFile(served.truths["case_00"]!, nrrd: true)
        let converted = try served.client.multipart(method: "PUT", "/datastore/", files: [("file", "from_slicer.nrrd", nrrd)])
        XCTAssertEqual(converted.status, 200, converted.detail)
        let image = try Volume(contentsOf: served.path + "/from_slicer.nii.gz")
        XCTAssertTrue(image.grid.matches(served.images["case_00"]!.grid))
        XCTAssertEqual(image.voxels, served.truths["case_00"]!.voxels.map(Float.init))

        let again = try served.client.multipart(method: "PUT", "/datastore/?image=new_ct", files: [("file", "x.nii.gz", try served.bytes("case_00.nii.gz"))])
        XCTAssertEqual(again.status, 409)

        let removed = try served.client.send(method: "DELETE", "/datastore/?id=case_00")
        XCTAssertEqual(removed.status, 200, removed.detail)
        XCTAssertEqual(try served.database.study("case_00").status, .missing)
        XCTAssertFalse(FileManager.default.fileExists(atPath: served.path + "/case_00.nii.gz"))
        let kept = try FileManager.default.contentsOfDirectory(atPath: served.database.location.dataFolder + "/removed")
        XCTAssertEqual(kept.filter { $0.hasSuffix("case_00.nii.gz") }.count, 2, "the image and its final label are kept: \(kept)")
        XCTAssertEqual(try served.database.labelVersions("case_00").count, 1, "the label history stays")
        XCTAssertEqual(try served.client.get("/datastore/").object["total"] as? Int, 2)
    }

    func testNextSampleHandsEachClientItsOwnStudy() throws {
        let served = try ServedFolder(count: 4, labeled: 1)
        let first = try served.client.send(method: "POST", "/activelearning/first", headers: ["Content-Type": "application/json"],
                                           body: Data(#"{"client_id": "bob"}"#.utf8))
        XCTAssertEqual(first.status, 200, first.detail)
        XCTAssertEqual(first.object["id"] as? String, "case_01")
        XCTAssertEqual(try served.database.claim(of: "case_01")?.user, "bob")
        let second = try served.client.send(method: "POST", "/activelearning/first", body: Data(#"{"client_id": "carol"}"#.utf8))
        XCTAssertEqual(second.object["id"] as? String, "case_02", "a study handed to bob is not handed to carol")
        XCTAssertEqual(try served.client.send(method: "POST", "/activelearning/random").status, 200)
    }

    func testTokensNameTheAnnotatorAndGuardEveryRoute() throws {
        let served = try ServedFolder(count: 1, labeled: 0, tokens: AccessTokens(token: "s3cret-token", user: "ann"))
        XCTAssertEqual(try served.client.get("/info/").status, 401)
        XCTAssertEqual(try served.client.get("/info/", headers: ["Authorization": "Bearer wrong-token"]).status, 401)
        XCTAssertEqual(try served.client.get("/auth/").object["enabled"] as? Bool, true)
        let form = Data("username=ann&password=s3cret-token&grant_type=password".utf8)
        let token = try served.client.send(method: "POST", "/auth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: form)
        XCTAssertEqual(token.object["access_token"] as? String, "s3cret-token")
        XCTAssertEqual(try served.client.send(method: "POST", "/auth/token", body: Data("username=bob&password=s3cret-token".utf8)).status, 401)
        let bearer = ["Authorization": "Bearer s3cret-token"]
        XCTAssertEqual(try served.client.get("/info/", headers: bearer).status, 200)
        let label = LabelVolume(grid: served.images["case_00"]!.grid)
        let save = try served.client.multipart(method: "PUT", "/datastore/label?image=case_00", fields: ["params": #"{"client_id": "someone-else"}"#],
                                               files: [("label", "l.nii.gz", try served.labelFile(label))], headers: bearer)
        XCTAssertEqual(save.status, 200, save.detail)
        XCTAssertEqual(try served.database.newestLabel("case_00")?.author, "ann", "with tokens, the token names the author, not the client")
    }
}
