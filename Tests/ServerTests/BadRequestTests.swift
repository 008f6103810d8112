// What a client can get wrong, each answered with a 4xx and a reason, and none of it written anywhere: the
// folder's files, the scratch folder and the study list are compared before and after.

import Datastore
import Foundation
import ServerTesting
import Volume
import XCTest

final class BadRequestTests: XCTestCase {
    func testEveryKindOfBadRequestIsA4xxWithAReasonAndWritesNothing() throws {
        let served = try ServedFolder(count: 2, labeled: 1, maxUpload: 1 << 20)
        let grid = served.images["case_00"]!.grid
        let label = try served.labelFile(LabelVolume(grid: grid))
        let wrongShape = try served.labelFile(LabelVolume(grid: Grid(shape: [8, 8, 8], affine: .identity)))
        var shifted = grid.affine
        shifted.values[3] += 50
        let misplaced = try served.labelFile(LabelVolume(grid: Grid(shape: grid.shape, affine: shifted)))
        let image = try served.bytes("case_00.nii.gz")
        let centre = "[[32, 32, 10]]"
        let c = served.client
        func infer(_ model: String, _ params: String, files: [(String, String, Data)] = []) throws -> HTTPReply {
            try c.multipart(method: "POST", "/infer/\(model)?image=case_01", fields: ["params": params], files: files)
        }
        let before = try served.snapshot()

        let cases: [(String, () throws -> HTTPReply, Int)] = [
            ("body over --max-upload", { try c.send(method: "PUT", "/datastore/label?image=case_01", headers: ["Content-Length": "5000000"], body: Data(count: 1000)) }, 413),
            ("traversal in an image id", { try c.get("/datastore/image?image=../../etc/passwd") }, 400),
            ("an absolute path as image id", { try c.get("/datastore/image?image=%2Fetc%2Fpasswd") }, 400),
            ("a hidden name as image id", { try c.get("/datastore/image?image=.termlabel") }, 400),
            ("an unknown image", { try c.get("/datastore/image?image=nosuch") }, 404),
            ("no image parameter", { try c.get("/datastore/image") }, 400),
            ("traversal in a tag", { try c.get("/datastore/label?label=case_00&tag=..%2F..%2Fx") }, 400),
            ("a save without a label part", { try c.multipart(method: "PUT", "/datastore/label?image=case_01", fields: ["params": "{}"]) }, 400),
            ("a multipart body that never ends", {
                try c.send(method: "PUT", "/datastore/label?image=case_01", headers: ["Content-Type": "multipart/form-data; boundary=XYZ"],
                           body: Data("--XYZ\r\nContent-Disposition: form-data; name=\"label\"; filename=\"l.nii.gz\"\r\n\r\nabc".utf8))
            }, 400),
            ("multipart without a boundary", { try c.send(method: "PUT", "/datastore/label?image=case_01", headers: ["Content-Type": "multipart/form-data"], body: Data("x".utf8)) }, 400),
            ("a part without a name", {
                try c.send(method: "PUT", "/datastore/label?image=case_01", headers: ["Content-Type": "multipart/form-data; boundary=XYZ"],
                           body: Data("--XYZ\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--XYZ--\r\n".utf8))
            }, 400),
            ("a label of another shape", { try c.multipart(method: "PUT", "/datastore/label?image=case_01", files: [("label", "l.nii.gz", wrongShape)]) }, 400),
            ("a label placed elsewhere", { try c.multipart(method: "PUT", "/datastore/label?image=case_01", files: [("label", "l.nii.gz", misplaced)]) }, 400),
            ("a label that is not NIfTI", { try c.multipart(method: "PUT", "/datastore/label?image=case_01", files: [("label", "l.nii.gz", Data("not an image".utf8))]) }, 400),
            ("a truncated label", { try c.multipart(method: "PUT", "/datastore/label?image=case_01", files: [("label", "l.nii.gz", label.prefix(label.count / 2))]) }, 400),
            ("params that are not JSON", { try c.multipart(method: "PUT", "/datastore/label?image=case_01", fields: ["params": "{oops"], files: [("label", "l.nii.gz", label)]) }, 400),
            ("based_on that is not a number", { try c.multipart(method: "PUT", "/datastore/label?image=case_01", fields: ["params": #"{"based_on": "x"}"#], files: [("label", "l.nii.gz", label)]) }, 400),
            ("an unknown model", { try infer("nosuch", "{}") }, 404),
            ("a model the folder has not trained", { try infer("deepgrow_3d", #"{"foreground": \#(centre)}"#) }, 404),
            ("clicks without a foreground click", { try infer("Clicks+GraphCut", #"{"background": \#(centre)}"#) }, 400),
            ("a click outside the image", { try infer("Clicks+GraphCut", #"{"foreground": [[500, 0, 0]]}"#) }, 400),
            ("a click that is not three numbers", { try infer("Clicks+GraphCut", #"{"foreground": [[1, 2]]}"#) }, 400),
            ("an unknown result format", { try infer("Clicks+GraphCut", #"{"foreground": \#(centre), "result_extension": ".png"}"#) }, 400),
            ("scribbles without the scribble volume", { try infer("Histogram+GraphCut", "{}") }, 400),
            ("scribbles without a foreground scribble", { try infer("Histogram+GraphCut", "{}", files: [("label", "s.nii.gz", label)]) }, 400),
            ("an upload under a traversing id", { try c.multipart(method: "PUT", "/datastore/?image=..%2Fevil", files: [("file", "x.nii.gz", image)]) }, 400),
            ("an upload that is not an image", { try c.multipart(method: "PUT", "/datastore/?image=junk", files: [("file", "x.nii.gz", Data(repeating: 7, count: 500))]) }, 400),
            ("a truncated image upload", { try c.multipart(method: "PUT", "/datastore/?image=half", files: [("file", "x.nii.gz", image.prefix(image.count / 2))]) }, 400),
            ("an upload over an existing id", { try c.multipart(method: "PUT", "/datastore/?image=case_00", files: [("file", "x.nii.gz", image)]) }, 409),
            ("an upload without a file", { try c.multipart(method: "PUT", "/datastore/?image=new", fields: ["params": "{}"]) }, 400),
            ("removing an unknown image", { try c.send(method: "DELETE", "/datastore/?id=nosuch") }, 404),
            ("an unknown strategy", { try c.send(method: "POST", "/activelearning/nosuch") }, 404),
            ("a train body that is not JSON", { try c.send(method: "POST", "/train/deepgrow_3d", body: Data("epochs=3".utf8)) }, 400),
            ("an impossible epoch count", { try c.send(method: "POST", "/train/deepgrow_3d", body: Data(#"{"max_epochs": -2}"#.utf8)) }, 400),
            ("an unknown trainer", { try c.send(method: "POST", "/train/nosuch", body: Data("{}".utf8)) }, 404),
            ("scoring without a model", { try c.send(method: "POST", "/scoring/epistemic") }, 404),
            ("an unknown route", { try c.get("/nosuch/route") }, 404),
            ("a method a route does not take", { try c.send(method: "DELETE", "/info/") }, 405),
            ("a request line that is not HTTP", { try c.raw(Data("HELLO THERE\r\n\r\n".utf8)) }, 400),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for (name, request, status) in cases {
            let reply = try request()
            XCTAssertEqual(reply.status, status, "\(name): \(reply.detail)")
            if reply.headers["content-type"] == "application/json" {
                XCTAssertFalse(reply.detail.isEmpty, "\(name) says why")
            }
            XCTAssertEqual(try served.snapshot(), before, "\(name) wrote something")
        }
        // The server still answers after all of it.
        XCTAssertEqual(try c.get("/info/").status, 200)
    }

    func testAnImageThatBecameALinkOutOfTheFolderIsNotServed() throws {
        let served = try ServedFolder(count: 2, labeled: 0)
        let outside = NSTemporaryDirectory() + "termlabel-outside-\(getpid()).nii.gz"
        try served.bytes("case_01.nii.gz").write(to: URL(fileURLWithPath: outside))
        defer { unlink(outside) }
        unlink(served.path + "/case_01.nii.gz")
        XCTAssertEqual(symlink(outside, served.path + "/case_01.nii.gz"), 0)
        let reply = try served.client.get("/datastore/image?image=case_01")
        XCTAssertEqual(reply.status, 404)
        XCTAssertTrue(reply.detail.contains("outside the folder"), reply.detail)
    }
}
