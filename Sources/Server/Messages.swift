// A request as the routes see it (the whole body read, bounded) and the answer they give: JSON, bytes or a file
// streamed from disk. Errors are answered as MONAI Label's are: a status and {"detail": "…"}.

import Foundation

public struct ServerRequest: Sendable {
    public var method: String
    /// Percent-decoded, without the query.
    public var path: String
    public var query: [String: String]
    /// Names in lower case.
    public var headers: [String: String]
    public var body: Data
    /// The peer's address, for the log.
    public var remote: String

    public init(method: String, uri: String, headers: [String: String] = [:], body: Data = Data(), remote: String = "-") {
        self.method = method.uppercased()
        let pieces = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = ServerRequest.decode(String(pieces.first ?? ""), plusIsSpace: false)
        var query: [String: String] = [:]
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[ServerRequest.decode(String(kv[0]), plusIsSpace: true)] = kv.count == 2 ? ServerRequest.decode(String(kv[1]), plusIsSpace: true) : ""
            }
        }
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
        self.remote = remote
    }

    /// URL decoding (quote_plus's "+" for a space in queries); a malformed escape is kept as it is.
    static func decode(_ text: String, plusIsSpace: Bool) -> String {
        let spaced = plusIsSpace ? text.replacingOccurrences(of: "+", with: " ") : text
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The multipart parts of the body (none when the body is empty).
    public func parts() throws -> [MultipartPart] {
        if body.isEmpty { return [] }
        guard let type = headers["content-type"], let boundary = Multipart.boundary(of: type) else {
            throw APIError(400, "the body must be multipart/form-data with a boundary (Content-Type: \(headers["content-type"] ?? "none"))")
        }
        return try Multipart.parse(body, boundary: boundary)
    }

    /// A JSON object from the body (MONAI's clients send next_sample's and train's parameters so); empty: {}.
    public func jsonBody() throws -> [String: Any] {
        if body.isEmpty { return [:] }
        return try APIError.object(body, what: "the request body")
    }
}

public struct ServerResponse: @unchecked Sendable {
    public enum Body {
        case data(Data)
        /// Streamed from disk in chunks (images can be larger than one wants in memory per request).
        case file(path: String, size: Int)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body
    /// For the log: who asked (when known) and why a request was refused.
    public var user: String?
    public var detail: String?

    public init(status: Int = 200, headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var byteCount: Int {
        switch body {
        case .data(let data): data.count
        case .file(_, let size): size
        }
    }

    /// `value` as JSON (objects' keys sorted, so answers are stable).
    public static func json(_ value: Any, status: Int = 200) -> ServerResponse {
        do {
            let data = try encode(value)
            return ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: .data(data))
        } catch {
            // Never an answer that says less than it should: a client told so rather than handed "null".
            var response = ServerResponse(status: 500, headers: [("Content-Type", "application/json")],
                                          body: .data(Data(#"{"detail": "the answer could not be written as JSON"}"#.utf8)))
            response.detail = "the answer could not be written as JSON: \(error)"
            return response
        }
    }

    /// JSON with sorted keys (answers are stable) and slashes left as they are.
    static func encode(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
    }

    public static func error(_ error: APIError) -> ServerResponse {
        var response = json(["detail": error.detail], status: error.status)
        response.detail = error.detail
        return response
    }

    /// A file as a download named `filename`.
    public static func file(_ path: String, filename: String) throws -> ServerResponse {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw APIError(404, "\(filename) is not on disk") }
        return ServerResponse(headers: [("Content-Type", "application/octet-stream"),
                                        ("Content-Disposition", "attachment; filename=\"\(filename)\"")],
                              body: .file(path: path, size: Int(info.st_size)))
    }
}

/// Why the server cannot start: the address cannot be listened on, the token file is not what it should be.
public struct ServerSetupError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// An answer other than 200, with the reason a client shows its user.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var detail: String

    public init(_ status: Int, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(status): \(detail)" }

    /// A JSON object, or a 400 naming `what` is not one.
    static func object(_ data: Data, what: String) throws -> [String: Any] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw APIError(400, "\(what) is not JSON")
        }
        if parsed is NSNull { return [:] }
        guard let object = parsed as? [String: Any] else { throw APIError(400, "\(what) must be a JSON object") }
        return object
    }
}
