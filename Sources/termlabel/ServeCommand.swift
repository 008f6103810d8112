// `termlabel serve DIR`: MONAI Label's REST API on the folder's study list, for 3D Slicer and OHIF users.

import ArgumentParser
import CommandOptions
import Datastore
import Foundation
import Server
import Volume

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve MONAI Label's REST API on a study folder (3D Slicer's and OHIF's MONAI Label plug-ins connect to it).",
        discussion: """
            The same study list, models and trainer as the app: labels saved by a Slicer user are new versions with \
            their author, a study open in someone's terminal is not overwritten, and one training runs per folder. \
            One line per request goes to standard output. Ctrl-C stops the server.
            """
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Option(help: "The address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8000

    @Option(help: "A token every request must carry (Authorization: Bearer TOKEN); its user is named api.")
    var token: String?

    @Option(help: "A file of \"user token\" lines: each annotator's token, and the name their saves are recorded under.")
    var tokenFile: String?

    @Option(help: "The largest request body accepted, e.g. 512M or 2G (an image upload is the largest).")
    var maxUpload = "1G"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port is 0–65535") }
        guard MemoryBudget.parse(maxUpload) != nil else { throw ValidationError("--max-upload takes a size such as 512M or 2G") }
        if token != nil && tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
        if let token, token.count < 8 { throw ValidationError("--token must be at least 8 characters") }
    }

    func run() throws {
        let database = try studyFolder.database()
        var tokens = AccessTokens()
        if let token { tokens = AccessTokens(token: token) }
        if let tokenFile { tokens = try AccessTokens.read(tokenFile) }
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.maxUploadBytes = MemoryBudget.parse(maxUpload)!
        let api = try MonaiAPI(database: database, tokens: tokens)
        let output = FileHandle.standardOutput
        let logLock = NSLock()
        let server: HTTPServer
        do {
            server = try HTTPServer(responder: api, options: options) { line in
                logLock.lock()
                output.write(Data((line + "\n").utf8))
                logLock.unlock()
            }
        } catch let error as ServerSetupError {
            throw ValidationError(error.description)
        }
        let shown = host == "0.0.0.0" ? ProcessInfo.processInfo.hostName : host
        let studies = try database.studies().filter { $0.status != .missing }.count
        // Written straight to the descriptor: a pipe (a log file, a test) sees it at once, before any request.
        output.write(Data("""
            Serving \(database.location.folder) (\(studies) studies) as a MONAI Label server.
            In 3D Slicer's MONAI Label module, or OHIF, give the server as: http://\(shown):\(server.port)
            \(tokens.isEnabled ? "A token is needed (Authorization: Bearer …, or user name and token at the plug-in's login)." : "No token is needed; anyone who can reach the address can read and label this folder.")
            \(host == "127.0.0.1" ? "Only this machine can connect; from another, use ssh -L \(server.port):127.0.0.1:\(server.port) or --host." : "")

            """.utf8))
        // Ctrl-C and a dropped session end the server (an answer being written is cut; saved labels are whole).
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { server.stop() }
            source.resume()
            ServeCommand.signalSources.append(source)
        }
        try server.wait()
        print("stopped")
    }

    nonisolated(unsafe) static var signalSources: [DispatchSourceSignal] = []
}
