import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server for the status endpoints: GET and HEAD only, one
/// short-lived thread per connection (at most `maxConnections`; more are
/// answered 503 at once), the request head within a deadline, `Connection:
/// close`, IPv4 and IPv6. Enough for a health check, a Prometheus scrape
/// and a person with a browser.
public final class HTTPServer: @unchecked Sendable {
    // @unchecked Sendable: `listener` and `port` are set before the accept
    // thread starts and changed only by `stop()`, which closes the socket
    // the accept thread blocks on; `stopped` and `active` are Mutexes.
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let query: [String: String]
        public let headers: [String: String]
    }

    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int = 200, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> Response {
            Response(status: status, contentType: contentType, body: Array(text.utf8))
        }
    }

    public typealias Handler = @Sendable (Request) -> Response

    private let handler: Handler
    private let log: @Sendable (String) -> Void
    private var listener: Int32 = -1
    private let stopped = Mutex(false)
    public private(set) var port: Int = 0

    /// At most this many connections are served at once; beyond it a
    /// connection is answered 503 at once and closed (no thread for it).
    public let maxConnections: Int
    private let active = Mutex(0)
    /// The whole request head must arrive within this many seconds (a
    /// client sending a byte every few seconds is cut off).
    public let headDeadlineSeconds: Double

    public init(maxConnections: Int = 32, headDeadlineSeconds: Double = 5, log: @escaping @Sendable (String) -> Void = { _ in },
                handler: @escaping Handler) {
        self.maxConnections = maxConnections
        self.headDeadlineSeconds = headDeadlineSeconds
        self.log = log
        self.handler = handler
    }

    /// Binds and starts accepting; returns once the socket listens. `host`
    /// is an IPv4 address, or an IPv6 one (bare or in brackets).
    public func start(host: String, port: Int) throws {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let family = bare.contains(":") ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        let length: socklen_t
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, bare, &address.sin6_addr) == 1 else {
                close(fd)
                throw ServerError("LIFEBOAT_HTTP_ADDR: '\(host)' is not an IPv6 address (e.g. [::]:8080)")
            }
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, bare, &address.sin_addr) == 1 else {
                close(fd)
                throw ServerError("LIFEBOAT_HTTP_ADDR: '\(host)' is not an IP address (use 0.0.0.0, 127.0.0.1 or [::])")
            }
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw ServerError("LIFEBOAT_HTTP_ADDR: cannot listen on \(host):\(port): \(message)")
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        self.port = withUnsafeBytes(of: actual) { raw in
            // The port sits at the same offset in sockaddr_in and sockaddr_in6.
            Int(UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self)))
        }
        listener = fd
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "lifeboat-http"
        thread.start()
    }

    public func stop() {
        stopped.withLock { $0 = true }
        if listener >= 0 {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            listener = -1
        }
    }

    /// Accepts until `stop()`. A failing accept (out of descriptors, a
    /// connection reset before it was taken) is logged and survived: the
    /// server keeps answering once the pressure is gone.
    private func acceptLoop(_ fd: Int32) {
        var lastLogged = Date.distantPast
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                let code = errno
                if stopped.withLock({ $0 }) { return }
                if code == EINTR || code == ECONNABORTED { continue }
                if Date().timeIntervalSince(lastLogged) > 10 {
                    log("status server: accept failed (\(String(cString: strerror(code)))); still serving, retrying")
                    lastLogged = Date()
                }
                usleep(100_000)
                continue
            }
            let admitted = active.withLock { count -> Bool in
                guard count < maxConnections else { return false }
                count += 1
                return true
            }
            guard admitted else {
                write(client, .text("busy: too many connections\n", status: 503), includeBody: true)
                close(client)
                continue
            }
            let thread = Thread { [self] in
                serve(client)
                active.withLock { $0 -= 1 }
            }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(headDeadlineSeconds)
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var complete = false
        while data.count < 64 << 10 && Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { continue }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if data.count >= 4, data.suffix(from: max(0, data.count - n - 3)).containsCRLFCRLF {
                complete = true
                break
            }
        }
        guard complete else {
            if !data.isEmpty { write(client, .text("request head incomplete or too slow\n", status: 408), includeBody: true) }
            return
        }
        let response: Response
        if let request = Self.parse(data) {
            if request.method == "GET" || request.method == "HEAD" {
                response = handler(request)
            } else {
                response = .text("only GET and HEAD\n", status: 405)
            }
            write(client, response, includeBody: request.method != "HEAD")
        } else {
            write(client, .text("bad request\n", status: 400), includeBody: true)
        }
    }

    static func parse(_ data: [UInt8]) -> Request? {
        let text = String(decoding: data, as: UTF8.self)
        guard let head = text.components(separatedBy: "\r\n\r\n").first else { return nil }
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return nil }
        let target = String(parts[1])
        let pathPart = target.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if pathPart.count == 2 {
            for item in pathPart[1].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                query[pair[0]] = pair.count > 1 ? pair[1] : ""
            }
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let path = String(pathPart[0]).removingPercentEncoding ?? String(pathPart[0])
        return Request(method: String(parts[0]), path: path, query: query, headers: headers)
    }

    private func write(_ client: Int32, _ response: Response, includeBody: Bool) {
        let reason = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
                      500: "Internal Server Error", 503: "Service Unavailable"][response.status] ?? "Status"
        let head = "HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(response.body.count)\r\n"
            + "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + (includeBody ? response.body : [])
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }
}

public struct ServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension ArraySlice where Element == UInt8 {
    var containsCRLFCRLF: Bool {
        guard count >= 4 else { return false }
        var index = startIndex
        while index + 3 < endIndex {
            if self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 { return true }
            index += 1
        }
        return false
    }
}
