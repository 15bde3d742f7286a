import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import NIOPosix
import ServiceLifecycle

/// The service's HTTP server: Hummingbird 2's HTTP/1.1 server
/// (HummingbirdCore, on SwiftNIO; without Hummingbird's router, which
/// `StatusEndpoints` does not need), answering with `StatusEndpoints`. What keeps it up under hostile clients:
/// - at most `maxConnections` open at once; more wait in the listen
///   backlog (no thread or buffer per waiting client);
/// - the request head within `headDeadline`: the idle timer counts only
///   parsed HTTP parts, so a client trickling a byte every few seconds is
///   cut off at the deadline, not kept alive by each byte;
/// - an accept that fails (out of descriptors) is backed off and retried
///   by SwiftNIO's accept back-off, so the server answers again once the
///   pressure is gone; a descriptor limit too low for the connection limit
///   is logged at start, and reaching the connection limit when it happens;
/// - a whole request (head to end, a body included) within
///   `requestDeadline`: the idle timer is reset by every body part, so a
///   trickled body would otherwise hold a connection for as long as the
///   client likes; and one request per connection (`Connection: close`);
/// - a malformed request is answered 400 by SwiftNIO's HTTP error handler.
struct StatusServer: Sendable {
    let endpoints: StatusEndpoints
    let host: String
    let port: Int
    let logger: Logger
    var maxConnections = 128
    var headDeadline: TimeAmount = .seconds(5)
    /// From the request head to its end (a body, if a client sends one).
    var requestDeadline: TimeAmount = .seconds(10)

    /// The server as a service of the ServiceGroup; `onListening` gets the
    /// port bound (the one asked for, or the system's choice for port 0).
    func service(onListening: @escaping @Sendable (Int) -> Void) throws -> any Service {
        // HummingbirdCore's own lines (a server started, a connection's
        // trace) are below what an operator needs; its warnings still show.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let endpoints = endpoints
        // SwiftNIO backs off and retries an accept() that fails for want of
        // descriptors, without a word (its back-off handler takes the error
        // before any handler HummingbirdCore lets us add): say it up front.
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(maxConnections + 64) {
            logger.warning("status server: the descriptor limit is \(limit.rlim_cur) (ulimit -n), too few for \(maxConnections) connections beside the backups' own files; when it is reached, new connections wait until others close (raise it with `ulimit -n` or compose's `ulimits: nofile`)")
        }
        let requestDeadline = requestDeadline
        return try HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [RequestDeadline(requestDeadline)], idleTimeout: headDeadline)).buildServer(
            configuration: ServerConfiguration(
                address: .hostname(bare, port: port),
                serverName: "lifeboat",
                availableConnectionsDelegate: LoggedConnectionLimit(maxConnections, headDeadline: headDeadline, logger: logger)
            ),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: quiet,
            responder: { request, writer, _ in
                let response = await Self.respond(to: request, endpoints: endpoints)
                try await writer.write(response: response.head, body: response.body)
            },
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) }
        )
    }

    /// GET and HEAD to `StatusEndpoints`, off the cooperative pool (the
    /// endpoints read the backup folder and may list S3 through libcurl).
    static func respond(to request: Request, endpoints: StatusEndpoints) async -> Response {
        guard request.method == .get || request.method == .head else {
            return response(.text("only GET and HEAD\n", status: 405), includeBody: true)
        }
        let statusRequest = StatusRequest(
            method: request.method.rawValue, path: request.uri.path,
            query: Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first }),
            headers: Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { first, _ in first })
        )
        let answer = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: endpoints.handle(statusRequest)) }
        }
        return response(answer, includeBody: request.method != .head)
    }

    static func response(_ answer: StatusResponse, includeBody: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        headers[.contentLength] = String(answer.body.count)
        headers[.cacheControl] = "no-store"
        // One request per connection: a client cannot hold one open after
        // its answer by trickling a request body (the idle timer is reset
        // by every body part, and nothing here reads bodies).
        headers[.connection] = "close"
        let body: ResponseBody = includeBody ? .init(byteBuffer: ByteBuffer(bytes: answer.body)) : .init()
        return Response(status: .init(code: answer.status), headers: headers, body: body)
    }
}

/// The connection limit, saying when it is reached (at most once a
/// minute): new connections then wait in the backlog until one closes.
/// (Hummingbird's `MaximumAvailableConnections` counts the same way,
/// silently.)
struct LoggedConnectionLimit: AvailableConnectionsDelegate {
    let maxConnections: Int
    let headDeadlineSeconds: Int64
    let logger: Logger
    private var open = 0
    private var lastWarned = Date.distantPast

    init(_ maxConnections: Int, headDeadline: TimeAmount, logger: Logger) {
        self.maxConnections = maxConnections
        self.headDeadlineSeconds = headDeadline.nanoseconds / 1_000_000_000
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        if open >= maxConnections, Date().timeIntervalSince(lastWarned) > 60 {
            lastWarned = Date()
            logger.warning("status server: \(open) connections open, the limit; new ones wait until one closes (a connection without a complete request is closed after \(headDeadlineSeconds) s)")
        }
    }

    mutating func connectionClosed() { open -= 1 }

    func isAcceptingNewConnections() -> Bool { open < maxConnections }
}

/// Closes a connection whose request has not ended within the deadline
/// after its head (HummingbirdCore's idle timer stops counting while a
/// request body arrives, however slowly).
final class RequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    private let deadline: TimeAmount
    private var timer: Scheduled<Void>?

    init(_ deadline: TimeAmount) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            timer?.cancel()
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: deadline) { context.close(promise: nil) }
        case .end:
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
