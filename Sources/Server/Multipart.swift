// multipart/form-data, the body of MONAI Label's uploads and of its inference answers: parts separated by a
// boundary line, each with its headers (Content-Disposition names the field and, for a file, its file name).

import Foundation

public struct MultipartPart: Sendable, Equatable {
    public var name: String
    public var filename: String?
    public var contentType: String?
    public var data: Data

    public init(name: String, filename: String? = nil, contentType: String? = nil, data: Data) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

public enum Multipart {
    /// The boundary a Content-Type header names, if it is multipart.
    public static func boundary(of contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// The parts of a body; throws `APIError` (400) naming what is wrong with it.
    public static func parse(_ body: Data, boundary: String) throws -> [MultipartPart] {
        func bad(_ reason: String) -> APIError { APIError(400, "malformed multipart body: \(reason)") }
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        guard var cursor = body.firstRange(of: delimiter)?.upperBound else { throw bad("the boundary never occurs") }
        var parts: [MultipartPart] = []
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard body[cursor...].starts(with: crlf) else { throw bad("a boundary line is followed by something else") }
            cursor += 2
            guard let headerEnd = body[cursor...].firstRange(of: Data("\r\n\r\n".utf8)) else { throw bad("a part's headers never end") }
            guard let headerText = String(data: body[cursor..<headerEnd.lowerBound], encoding: .utf8) else { throw bad("a part's headers are not text") }
            let contentStart = headerEnd.upperBound
            guard let next = body[contentStart...].firstRange(of: crlf + delimiter) else { throw bad("a part never ends (no closing boundary)") }
            var part = MultipartPart(name: "", data: Data(body[contentStart..<next.lowerBound]))
            var named = false
            for line in headerText.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { throw bad("a part's header line has no colon") }
                let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if key == "content-type" { part.contentType = value }
                guard key == "content-disposition" else { continue }
                for parameter in value.split(separator: ";").dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard pair.count == 2 else { continue }
                    var text = pair[1]
                    if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = String(text.dropFirst().dropLast()) }
                    switch pair[0].lowercased() {
                    case "name": part.name = text; named = true
                    case "filename": part.filename = text
                    default: break
                    }
                }
            }
            guard named else { throw bad("a part has no name (Content-Disposition: form-data; name=…)") }
            parts.append(part)
            cursor = next.upperBound
        }
    }

    /// A body of `parts` and its Content-Type.
    public static func encode(_ parts: [MultipartPart]) -> (contentType: String, body: Data) {
        let boundary = "termlabel-" + UUID().uuidString
        var body = Data()
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\n"
            if let type = part.contentType { head += "Content-Type: \(type)\r\n" }
            body.append(Data((head + "\r\n").utf8))
            body.append(part.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}
