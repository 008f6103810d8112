// `termlabel info FILE...`: header facts and intensity statistics of NIfTI files, as text or JSON lines.

import ArgumentParser
import CommandOptions
import Foundation
import Volume

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print shape, datatype, spacing, orientation, affine and intensity statistics of NIfTI files."
    )

    @Flag(name: .long, help: "One JSON object per file and line.")
    var json = false

    @Argument(help: "NIfTI files (.nii, .nii.gz, .hdr).")
    var files: [String]

    func run() throws {
        var failed = false
        for path in files {
            do {
                let summary = try ImageSummary(path: path)
                print(json ? summary.json : summary.text)
            } catch let error as VolumeError {
                failed = true
                printError(error.description)
            } catch {
                failed = true
                printError("\(path): \(error)")
            }
        }
        if failed { throw ExitCode.failure }
    }
}
