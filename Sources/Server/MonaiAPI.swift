// MONAI Label's REST API over a study folder: the routes 3D Slicer's and OHIF's MONAI Label plug-ins and its Python
// client call, with its JSON shapes, answered from the same study list, models and trainer the terminal app uses.
// Every failure is a status and {"detail": …}; nothing a client sends can stop the server.

import App
import Datastore
import Foundation
import Learning
import Segmenters
import Volume

public final class MonaiAPI: RequestResponder, @unchecked Sendable {
    public let database: AppDatabase
    let shelf: ModelShelf
    let tokens: AccessTokens
    let training: ServerTasks
    let scoring: ServerTasks
    let images: ImageCache
    /// Temporary files of uploads and answers: inside the study list's folder, so renames stay on one file system.
    let scratch: String

    public init(database: AppDatabase, tokens: AccessTokens = AccessTokens(), generic: GenericModels = .shipped) throws {
        self.database = database
        self.tokens = tokens
        shelf = ModelShelf(database: database, generic: generic)
        // /info/ lists only the models the folder has: the generic ones count from the start.
        try shelf.adoptGenericModels()
        training = ServerTasks(kind: "train")
        scoring = ServerTasks(kind: "scoring")
        images = ImageCache()
        scratch = database.location.dataFolder + "/server-scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    public func isComputation(_ request: ServerRequest) -> Bool {
        request.method == "POST" && (request.path.hasPrefix("/infer/") || request.path.hasPrefix("/activelearning/"))
    }

    public func respond(_ request: ServerRequest) -> ServerResponse {
        var user: String?
        var response: ServerResponse
        do {
            user = try authenticate(request)
            response = try route(request, user: user ?? "api")
        } catch {
            response = .error(MonaiAPI.apiError(error))
        }
        response.user = user
        return response
    }

    /// The annotator a request acts for: its token's user, or (without tokens) the client's id, else "api".
    func authenticate(_ request: ServerRequest) throws -> String? {
        let open = request.path == "/auth" || request.path == "/auth/" || request.path.hasPrefix("/auth/token") && request.method == "POST"
        guard tokens.isEnabled else { return nil }
        let presented = request.headers["authorization"].flatMap { value -> String? in
            let pieces = value.split(separator: " ", maxSplits: 1)
            return pieces.count == 2 && pieces[0].lowercased() == "bearer" ? String(pieces[1]) : nil
        }
        if let presented, let user = tokens.user(for: presented) { return user }
        if open { return nil }
        throw APIError(401, presented == nil ? "this server needs a token: Authorization: Bearer <token> (POST /auth/token gives one)"
                                             : "the token is not valid on this server")
    }

    private func route(_ request: ServerRequest, user: String) throws -> ServerResponse {
        // MONAI Label's routes end in "/" or not, as its clients happen to write them.
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (request.method, segments.first ?? "", segments.count) {
        case ("GET", "", 0): return .json(["name": "TermLabel", "api": "MONAI Label", "info": "/info/"])
        case ("GET", "info", 1): return .json(try info())
        case (_, "auth", _): return try auth(request, segments: segments, user: user)
        case (_, "datastore", _): return try datastore(request, segments: Array(segments.dropFirst()), user: user)
        case ("POST", "infer", 2): return try infer(request, model: segments[1], user: user)
        case ("POST", "activelearning", 2): return try nextSample(request, strategy: segments[1], user: user)
        case (_, "train", 1...2): return try train(request, model: segments.count == 2 ? segments[1] : nil)
        case (_, "scoring", 1...2): return try score(request, method: segments.count == 2 ? segments[1] : nil)
        case (_, "infer", _), (_, "activelearning", _), (_, "info", 1):
            throw APIError(405, "\(request.method) is not allowed on \(request.path)")
        default:
            throw APIError(404, "no route \(request.method) \(request.path)")
        }
    }

    private func auth(_ request: ServerRequest, segments: [String], user: String) throws -> ServerResponse {
        switch (request.method, segments.dropFirst().joined(separator: "/")) {
        case ("GET", ""):
            return .json(["enabled": tokens.isEnabled, "client_id": "termlabel", "realm": ""])
        case ("POST", "token"):
            guard tokens.isEnabled else { return .json(["access_token": NSNull(), "token_type": NSNull()]) }
            // OAuth2's password form: username=…&password=… (the token is the password).
            let form = ServerRequest(method: "GET", uri: "/?" + String(decoding: request.body, as: UTF8.self)).query
            guard let name = form["username"], let password = form["password"], tokens.user(for: password) == name else {
                throw APIError(401, "wrong user name or token")
            }
            return .json(["access_token": password, "token_type": "bearer"])
        case ("GET", "token/valid"):
            return .json(["username": user, "roles": ["user", "annotator", "reviewer", "admin"]])
        default:
            throw APIError(404, "no route \(request.method) \(request.path)")
        }
    }

    /// The annotator the study list records for an API user (this server's process and host).
    func annotator(_ user: String) -> Annotator {
        Annotator(user: user, host: ProcessInfo.processInfo.hostName, pid: getpid())
    }

    /// An image id from a query parameter: present, one path component, and a study of this folder.
    func study(_ value: String?, parameter: String = "image") throws -> Study {
        guard let id = value, !id.isEmpty else { throw APIError(400, "the query parameter \(parameter) (an image id) is missing") }
        try PathName.check(id, as: "image id")
        return try database.study(id)
    }

    /// The "params" field of a multipart body as a JSON object ({} when absent).
    static func params(_ parts: [MultipartPart]) throws -> [String: Any] {
        guard let part = parts.first(where: { $0.name == "params" }) else { return [:] }
        if part.data.isEmpty { return [:] }
        return try APIError.object(part.data, what: "the params field")
    }

    /// Statuses as MONAI Label's clients expect them: 404 for what does not exist, 409 for someone else's work,
    /// 400 for what the request got wrong, 429 for a second training; anything unforeseen is a 500 with its reason.
    static func apiError(_ error: Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as DatastoreError:
            switch error {
            case .unknownStudy, .unknownModel, .nothingToReview: return APIError(404, error.description)
            case .conflict, .claimed, .notClaimed, .staleReview, .alreadyDecided: return APIError(409, error.description)
            case .badName: return APIError(400, error.description)
            case .readOnly: return APIError(403, error.description)
            case .notAFolder, .cannotCreate, .unreadableFolder: return APIError(500, error.description)
            }
        case let error as TrainingBusy: return APIError(429, error.description)
        case let error as ModelError:
            switch error {
            case .noModel: return APIError(404, error.description)
            case .needsPositiveClick, .unknownLabel: return APIError(400, error.description)
            default: return APIError(500, error.description)
            }
        case let error as SegmentationError: return APIError(400, error.description)
        case let error as LabelNamesFile.Problem: return APIError(500, error.description)
        default: return APIError(500, "\(error)")
        }
    }
}

/// Who may use the server: token → user name, from `--token` (one user) or a file of "user token" lines.
public struct AccessTokens: Sendable {
    private var users: [String: String] = [:]

    public init() {}

    public init(token: String, user: String = "api") {
        users[token] = user
    }

    public var isEnabled: Bool { !users.isEmpty }

    public func user(for token: String) -> String? { users[token] }

    /// "user token" per line; blank lines and lines starting with # are skipped.
    public static func read(_ path: String) throws -> AccessTokens {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ServerSetupError("\(TerminalText.escaped(path)): cannot be read as text (\(error.localizedDescription))")
        }
        var tokens = AccessTokens()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, fields[1].count >= 8 else {
                throw ServerSetupError("\(TerminalText.escaped(path)) line \(n + 1): expected \"user token\" with a token of at least 8 characters")
            }
            try PathName.check(String(fields[0]), as: "user name")
            tokens.users[String(fields[1])] = String(fields[0])
        }
        guard tokens.isEnabled else { throw ServerSetupError("\(TerminalText.escaped(path)): no \"user token\" line") }
        return tokens
    }
}
