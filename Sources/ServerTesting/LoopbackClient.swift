// A plain HTTP/1.1 client over a loopback socket, for the tests and `bench serve`: it sends exactly the bytes it is
// given (malformed ones included) and parses the answer by hand, so that it checks the server rather than agreeing
// with it. One connection per request, as MONAI Label's Python client makes them.

import Foundation

public struct HTTPReply {
    public var status: Int
    /// Names in lower case.
    public var headers: [String: String]
    public var body: Data

    public var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    public var object: [String: Any] { json as? [String: Any] ?? [:] }
    public var detail: String { object["detail"] as? String ?? "" }
}

public struct LoopbackClient: Sendable {
    public let port: Int

    public init(port: Int) { self.port = port }

    public func get(_ path: String, headers: [String: String] = [:]) throws -> HTTPReply {
        try send(method: "GET", path, headers: headers)
    }

    /// A request with a body; Content-Length is set unless `headers` sets it.
    public func send(method: String, _ path: String, headers: [String: String] = [:], body: Data = Data()) throws -> HTTPReply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        var fields = headers
        if fields["Content-Length"] == nil { fields["Content-Length"] = String(body.count) }
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        return try raw(Data((head + "\r\n").utf8) + body, bodyExpected: method != "HEAD")
    }

    /// A multipart/form-data request as MONAI Label's client writes one: text fields, then files.
    public func multipart(method: String, _ path: String, fields: [String: String] = [:], files: [(name: String, filename: String, data: Data)] = [],
                   headers: [String: String] = [:]) throws -> HTTPReply {
        let boundary = "----------lImIt_of_THE_fIle_eW_$"
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body += file.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return try send(method: method, path, headers: headers.merging(["Content-Type": "multipart/form-data; boundary=\(boundary)"]) { a, _ in a }, body: body)
    }

    /// Sends bytes as they are and reads the answer until the server closes the connection.
    public func raw(_ request: Data, bodyExpected: Bool = true) throws -> HTTPReply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ClientError("connect: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The server may answer (413) and close before the whole body is sent: a failed send is not an error here.
        _ = request.withUnsafeBytes { bytes -> Int in
            var sent = 0
            while sent < bytes.count {
                let n = Glibc.send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { break }
                sent += n
            }
            return sent
        }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        return try HTTPReply(parsing: answer, bodyExpected: bodyExpected)
    }
}

public struct ClientError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension HTTPReply {
    /// `bodyExpected` false: an answer to HEAD, whose Content-Length describes a body that is not sent.
    public init(parsing answer: Data, bodyExpected: Bool = true) throws {
        guard let end = answer.firstRange(of: Data("\r\n\r\n".utf8)),
              let head = String(data: answer[..<end.lowerBound], encoding: .utf8) else { throw ClientError("no HTTP answer (\(answer.count) bytes)") }
        let lines = head.components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ClientError("bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(answer[end.upperBound...])
        if bodyExpected, let length = headers["content-length"].flatMap(Int.init) {
            guard body.count >= length else { throw ClientError("the body is \(body.count) bytes, Content-Length says \(length)") }
            body = body.prefix(length)
        }
        self.init(status: status, headers: headers, body: body)
    }

    /// The parts of a multipart answer: name → (filename, bytes).
    public func parts() throws -> [String: (filename: String?, data: Data)] {
        guard let type = headers["content-type"], let range = type.range(of: "boundary=") else { throw ClientError("not multipart: \(headers)") }
        let delimiter = Data(("--" + type[range.upperBound...]).utf8)
        var out: [String: (String?, Data)] = [:]
        var pieces: [Data] = []
        var rest = body[...]
        while let found = rest.firstRange(of: delimiter) {
            pieces.append(Data(rest[..<found.lowerBound]))
            rest = rest[found.upperBound...]
        }
        for piece in pieces.dropFirst() {
            guard let split = piece.firstRange(of: Data("\r\n\r\n".utf8)), let head = String(data: piece[..<split.lowerBound], encoding: .utf8) else { continue }
            let name = head.components(separatedBy: "name=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""
            let filename = head.components(separatedBy: "filename=\"").dropFirst().first?.components(separatedBy: "\"").first
            out[name] = (filename, Data(piece[split.upperBound...].dropLast(2)))
        }
        return out
    }
}
