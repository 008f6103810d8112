// HTTP/1.1 on SwiftNIO: each request's body is read whole up to a bound (a larger one is refused with 413 before
// it is read), answered off the event loop by the routes, and logged in one line. Model calls run one at a time on
// their own queue, so that a slow inference never delays the study list or a download.

import Dispatch
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What answers requests: the routes, and which requests are model work.
public protocol RequestResponder: Sendable {
    func respond(_ request: ServerRequest) -> ServerResponse
    func isComputation(_ request: ServerRequest) -> Bool
}

public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    /// The largest request body accepted (an image upload is the largest).
    public var maxUploadBytes = 1 << 30

    public init() {}
}

public final class HTTPServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    /// The port listened on (the one asked for, or the one the system chose for port 0).
    public let port: Int

    /// Listens on `options.host`:`options.port`; `log` gets one line per request.
    public init(responder: RequestResponder, options: ServerOptions, log: @escaping @Sendable (String) -> Void) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let context = HandlerContext(responder: responder, limit: options.maxUploadBytes, log: log)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RequestHandler(context: context))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
        do {
            channel = try bootstrap.bind(host: options.host, port: options.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw ServerSetupError("cannot listen on \(options.host):\(options.port): \(error)")
        }
        self.group = group
        port = channel.localAddress?.port ?? options.port
    }

    /// Blocks until the server is closed.
    public func wait() throws {
        try channel.closeFuture.wait()
    }

    public func stop() {
        channel.close(promise: nil)
        try? group.syncShutdownGracefully()
    }
}

/// What every connection's handler shares.
final class HandlerContext: Sendable {
    let responder: RequestResponder
    let limit: Int
    let log: @Sendable (String) -> Void
    /// Reads, downloads and saves, several at once.
    let requests = DispatchQueue(label: "termlabel.server.requests", qos: .userInitiated, attributes: .concurrent)
    /// Inference, ranking: one at a time (each already uses every core).
    let computations = DispatchQueue(label: "termlabel.server.computations", qos: .userInitiated)

    init(responder: RequestResponder, limit: Int, log: @escaping @Sendable (String) -> Void) {
        self.responder = responder
        self.limit = limit
        self.log = log
    }
}

final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let context: HandlerContext
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// The body went past the limit: the rest of this request is ignored and the connection closed.
    private var refused = false

    init(context: HandlerContext) {
        self.context = context
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            refused = false
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > context.limit {
                refuse(head, channel: channelContext.channel)
            }
        case .body(var chunk):
            guard !refused, let head else { return }
            if body.readableBytes + chunk.readableBytes > context.limit {
                refuse(head, channel: channelContext.channel)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard !refused, let head else { return }
            let started = DispatchTime.now()
            let remote = channelContext.channel.remoteAddress?.ipAddress ?? "-"
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let request = ServerRequest(method: head.method.rawValue, uri: head.uri, headers: headers,
                                        body: Data(body.readableBytesView), remote: remote)
            body = ByteBuffer()
            let channel = channelContext.channel
            let shared = context
            let queue = shared.responder.isComputation(request) ? shared.computations : shared.requests
            queue.async {
                let response = shared.responder.respond(request)
                RequestHandler.send(response, for: head, on: channel, keepAlive: head.isKeepAlive)
                shared.log(RequestHandler.logLine(request, uri: head.uri, response: response, started: started))
            }
        }
    }

    /// A request NIO could not parse was answered 400 by its error handler; the connection cannot go on.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func refuse(_ head: HTTPRequestHead, channel: Channel) {
        refused = true
        let response = ServerResponse.error(APIError(413, "the request body is larger than the server accepts (\(context.limit) bytes; --max-upload)"))
        RequestHandler.send(response, for: head, on: channel, keepAlive: false)
        context.log(RequestHandler.logLine(ServerRequest(method: head.method.rawValue, uri: head.uri, remote: channel.remoteAddress?.ipAddress ?? "-"),
                                           uri: head.uri, response: response, started: DispatchTime.now()))
    }

    /// Writes a response from any thread; a file is read and sent in chunks, each flushed before the next is read.
    static func send(_ response: ServerResponse, for head: HTTPRequestHead, on channel: Channel, keepAlive: Bool) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.byteCount))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: response.status)
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: status, headers: headers)), promise: nil)
        if head.method != .HEAD {
            switch response.body {
            case .data(let data):
                channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: data))), promise: nil)
            case .file(let path, let size):
                guard stream(path, size: size, to: channel) else {
                    // The length was promised: a short file can only end the connection.
                    channel.close(promise: nil)
                    return
                }
            }
        }
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    private static func stream(_ path: String, size: Int, to channel: Channel) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sent = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while sent < size {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, size - sent)) }
            guard got > 0 else { return false }
            let buffer = ByteBuffer(bytes: chunk[0..<got])
            // Waiting for each chunk to be flushed keeps one chunk per download in memory, whatever the client's pace.
            do { try channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))).wait() } catch { return false }
            sent += got
        }
        return true
    }

    static func logLine(_ request: ServerRequest, uri: String, response: ServerResponse, started: DispatchTime) -> String {
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        let time = ISO8601DateFormatter().string(from: Date())
        let bytes = response.byteCount >= 1 << 20 ? String(format: "%.1f MB", Double(response.byteCount) / 1e6) : "\(response.byteCount) B"
        let line = "\(time) \(request.remote) \(response.user ?? "-") \(request.method) \(uri) \(response.status) \(bytes) "
            + String(format: "%.0f ms", milliseconds)
        return response.status >= 400 ? line + " " + (response.detail ?? "") : line
    }
}
