import ByteStreams
import Foundation
import HTTPClient

/// The Docker Engine API calls Lifeboat needs, over the engine's unix
/// socket (`DOCKER_HOST`, default `unix:///var/run/docker.sock`), at the API
/// version the engine offers, 1.41 at the least. Blocking, one request at
/// a time per client.
public final class DockerClient {
    public static let minimumAPIVersion = "1.41"
    public let socketPath: String
    public private(set) var apiVersion = DockerClient.minimumAPIVersion
    private let transfer: HTTPTransfer

    public init(host: String? = nil) throws {
        let text = host ?? ProcessInfo.processInfo.environment["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"
        guard text.hasPrefix("unix://") else {
            throw DockerError(.unreachable, "DOCKER_HOST=\(text) is not supported", hint: "use the engine's unix socket, e.g. unix:///var/run/docker.sock")
        }
        socketPath = String(text.dropFirst("unix://".count))
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw DockerError(.socketMissing, "the Docker socket \(socketPath) does not exist",
                              hint: "mount it into the container (-v /var/run/docker.sock:/var/run/docker.sock) or set DOCKER_HOST")
        }
        guard access(socketPath, R_OK | W_OK) == 0 else {
            throw DockerError(.permissionDenied, "permission denied on the Docker socket \(socketPath)",
                              hint: "run with the socket's group (e.g. --group-add $(stat -c %g \(socketPath)))")
        }
        transfer = try HTTPTransfer()
    }

    /// Checks the engine answers and settles the API version.
    @discardableResult
    public func negotiate() throws -> String {
        let ping = try request("GET", "/_ping", versioned: false)
        guard ping.status == 200 else { throw DockerError(.unreachable, "the Docker engine at \(socketPath) answered /_ping with \(ping.status)") }
        struct Version: Decodable { let ApiVersion: String; let Version: String }
        let version = try decode(Version.self, try request("GET", "/version", versioned: false), "read the engine version")
        guard Self.compare(version.ApiVersion, Self.minimumAPIVersion) >= 0 else {
            throw DockerError(.engineTooOld, "the Docker engine speaks API \(version.ApiVersion) (Docker \(version.Version)); Lifeboat needs \(Self.minimumAPIVersion) or newer",
                              hint: "upgrade Docker to 20.10 or newer")
        }
        apiVersion = version.ApiVersion
        return version.Version
    }

    // MARK: Containers

    public struct Container: Decodable, Sendable {
        public let Id: String
        public let Names: [String]
        public let State: String
        public let Labels: [String: String]?
        public var name: String { Names.first.map { String($0.drop(while: { $0 == "/" })) } ?? String(Id.prefix(12)) }
    }

    /// Containers (running or not) carrying every label given (`key=value`, or `key` alone).
    public func containers(labels: [String]) throws -> [Container] {
        let filters = try JSONEncoder().encode(["label": labels])
        let query = "all=1&filters=" + Self.escape(String(decoding: filters, as: UTF8.self))
        return try decode([Container].self, try request("GET", "/containers/json?" + query), "list containers")
    }

    public struct Inspection: Decodable, Sendable {
        public struct State: Decodable, Sendable {
            public struct Health: Decodable, Sendable { public let Status: String }
            public let Status: String
            public let Running: Bool
            public let Health: Health?
        }
        public struct Config: Decodable, Sendable {
            public let Labels: [String: String]?
            public let Image: String?
        }
        public struct Mount: Decodable, Sendable {
            public let Source: String?
            public let Destination: String
        }
        public struct NetworkSettings: Decodable, Sendable {
            public struct Endpoint: Decodable, Sendable {
                public let NetworkID: String?
                public let Aliases: [String]?
            }
            public let Networks: [String: Endpoint]?
        }
        public let Id: String
        public let Name: String
        public let State: State
        public let Config: Config
        public let Mounts: [Mount]?
        public let NetworkSettings: NetworkSettings?

        /// The networks the container is attached to, by name, with the
        /// names it answers to on each (its Compose service among them).
        public var networks: [String: [String]] {
            (self.NetworkSettings?.Networks ?? [:]).mapValues { $0.Aliases ?? [] }
        }
    }

    public func inspect(_ id: String) throws -> Inspection {
        try decode(Inspection.self, try expect(request("GET", "/containers/\(Self.escape(id))/json"), [200], "inspect container \(id)"), "inspect container \(id)")
    }

    /// Creates a container (host networking, the only mode a bridge-less
    /// engine can reach); returns its id.
    public func create(name: String, image: String, command: [String], labels: [String: String] = [:], binds: [String] = []) throws -> String {
        struct HostConfig: Encodable { let NetworkMode = "host"; let Binds: [String] }
        struct Create: Encodable { let Image: String; let Cmd: [String]; let Labels: [String: String]; let HostConfig: HostConfig }
        struct Created: Decodable { let Id: String }
        let response = try request("POST", "/containers/create?name=\(Self.escape(name))",
                                   json: Create(Image: image, Cmd: command, Labels: labels, HostConfig: HostConfig(Binds: binds)))
        return try decode(Created.self, try expect(response, [201], "create container \(name)"), "create container \(name)").Id
    }

    /// Attaches a container to a network, answering there to `aliases`
    /// (and to its own name and id, which the engine always adds).
    public func connect(network: String, container id: String, aliases: [String]) throws {
        struct EndpointConfig: Encodable { let Aliases: [String] }
        struct Connect: Encodable { let Container: String; let EndpointConfig: EndpointConfig }
        _ = try expect(request("POST", "/networks/\(Self.escape(network))/connect", json: Connect(Container: id, EndpointConfig: EndpointConfig(Aliases: aliases))),
                       [200], "connect container \(id) to network \(network)")
    }

    public func disconnect(network: String, container id: String) throws {
        struct Disconnect: Encodable { let Container: String; let Force: Bool }
        _ = try expect(request("POST", "/networks/\(Self.escape(network))/disconnect", json: Disconnect(Container: id, Force: true)),
                       [200, 404], "disconnect container \(id) from network \(network)")
    }

    public func remove(_ id: String) throws {
        _ = try expect(request("DELETE", "/containers/\(Self.escape(id))?force=1&v=1"), [204, 404], "remove container \(id)")
    }

    public func stop(_ id: String, timeoutSeconds: Int = 10) throws {
        _ = try expect(request("POST", "/containers/\(Self.escape(id))/stop?t=\(timeoutSeconds)", timeout: timeoutSeconds + 30), [204, 304], "stop container \(id)")
    }

    public func start(_ id: String) throws {
        _ = try expect(request("POST", "/containers/\(Self.escape(id))/start"), [204, 304], "start container \(id)")
    }

    public func restart(_ id: String, timeoutSeconds: Int = 10) throws {
        _ = try expect(request("POST", "/containers/\(Self.escape(id))/restart?t=\(timeoutSeconds)", timeout: timeoutSeconds + 30), [204], "restart container \(id)")
    }

    /// Waits until the container runs, and (unless `healthy` is false) is
    /// healthy when it has a health check.
    public func waitUntilReady(_ id: String, timeoutSeconds: Double = 60, healthy: Bool = true) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let state = try inspect(id).State
            if state.Running && (!healthy || state.Health == nil || state.Health?.Status == "healthy") { return }
            if Date() > deadline {
                throw DockerError(.api, "container \(id) is not ready after \(Int(timeoutSeconds)) s (state \(state.Status)\(state.Health.map { ", health \($0.Status)" } ?? ""))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    // MARK: Exec

    public struct ExecResult: Sendable {
        public let exitCode: Int
        public let stdout: [UInt8]
        public let stderr: [UInt8]
        public var output: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a command in a running container and collects its output from
    /// the engine's multiplexed stream (8-byte frame headers: stream, size).
    public func exec(_ id: String, _ command: [String]) throws -> ExecResult {
        struct Create: Encodable { let AttachStdout = true; let AttachStderr = true; let Cmd: [String] }
        struct Created: Decodable { let Id: String }
        let created = try decode(Created.self, try expect(request("POST", "/containers/\(Self.escape(id))/exec", json: Create(Cmd: command)), [201], "exec in \(id)"), "exec in \(id)")
        let stream = try expect(request("POST", "/exec/\(created.Id)/start", json: ["Detach": false, "Tty": false]), [200], "start exec in \(id)")
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var offset = 0
        let body = stream.body
        while offset + 8 <= body.count {
            let size = Int(body[offset + 4]) << 24 | Int(body[offset + 5]) << 16 | Int(body[offset + 6]) << 8 | Int(body[offset + 7])
            let end = min(body.count, offset + 8 + size)
            if body[offset] == 2 { stderr += body[(offset + 8)..<end] } else { stdout += body[(offset + 8)..<end] }
            offset = end
        }
        struct Inspect: Decodable { let ExitCode: Int? }
        let result = try decode(Inspect.self, try request("GET", "/exec/\(created.Id)/json"), "inspect exec")
        return ExecResult(exitCode: result.ExitCode ?? -1, stdout: stdout, stderr: stderr)
    }

    // MARK: Archives

    /// Streams a tar of `path` in the container into `sink`.
    public func getArchive(_ id: String, path: String, into sink: any ByteSink) throws {
        let response = try request("GET", "/containers/\(Self.escape(id))/archive?path=\(Self.escape(path))", sink: sink)
        _ = try expect(response, [200], "copy \(path) out of \(id)")
    }

    /// Extracts a tar stream into `path` (a folder) in the container.
    public func putArchive(_ id: String, path: String, from source: any ByteSource, length: Int64? = nil) throws {
        let response = try request("PUT", "/containers/\(Self.escape(id))/archive?path=\(Self.escape(path))",
                                   headers: ["Content-Type: application/x-tar"], body: source, bodyLength: length)
        _ = try expect(response, [200], "copy into \(path) of \(id)")
    }

    /// The numeric owner of a path in the container, read from the first
    /// tar header of its archive (the transfer stops after 512 bytes).
    public func owner(_ id: String, path: String) throws -> (uid: Int64, gid: Int64) {
        let capture = HeaderCapture()
        do {
            try getArchive(id, path: path, into: capture)
        } catch is HeaderCapture.Enough {}
        guard capture.bytes.count >= 512 else { throw DockerError(.api, "no tar header for \(path) in \(id)") }
        func octal(_ offset: Int, _ length: Int) -> Int64 {
            let text = String(decoding: capture.bytes[offset..<(offset + length)].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            return Int64(text, radix: 8) ?? 0
        }
        return (octal(108, 8), octal(116, 8))
    }

    // MARK: Plumbing

    private func request(_ method: String, _ path: String, versioned: Bool = true, headers: [String] = [],
                         body: (any ByteSource)? = nil, bodyLength: Int64? = nil, sink: (any ByteSink)? = nil, timeout: Int = 120) throws -> HTTPResponse {
        let url = "http://localhost" + (versioned ? "/v\(apiVersion)" : "") + path
        do {
            return try transfer.perform(method: method, url: url, unixSocket: socketPath, headers: headers, body: body, bodyLength: bodyLength,
                                        responseSink: sink, timeoutSeconds: timeout)
        } catch let error as HTTPError where error.isConnectionFailure {
            throw DockerError(.unreachable, "cannot connect to the Docker engine at \(socketPath): \(error.message)", hint: "is dockerd running?")
        }
    }

    private func request<T: Encodable>(_ method: String, _ path: String, json: T) throws -> HTTPResponse {
        let data = try JSONEncoder().encode(json)
        return try request(method, path, headers: ["Content-Type: application/json"], body: BytesSource(Array(data)), bodyLength: Int64(data.count))
    }

    private func expect(_ response: HTTPResponse, _ statuses: Set<Int>, _ operation: String) throws -> HTTPResponse {
        if statuses.contains(response.status) { return response }
        struct Message: Decodable { let message: String }
        let message = (try? JSONDecoder().decode(Message.self, from: Data(response.body)))?.message ?? response.text
        throw DockerError(response.status == 404 ? .notFound : .api, "\(operation): \(message) (HTTP \(response.status))")
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, _ operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw DockerError(.api, "\(operation): unexpected reply from the engine (\(response.text.prefix(200)))")
        }
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// Compares dotted versions numerically ("1.43" > "1.9").
    static func compare(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }
        let y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let l = i < x.count ? x[i] : 0
            let r = i < y.count ? y[i] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }
}

/// Keeps the first 512 bytes of a stream, then stops it.
final class HeaderCapture: ByteSink {
    struct Enough: Error {}
    var bytes: [UInt8] = []
    func write(_ chunk: UnsafeRawBufferPointer) throws {
        bytes.append(contentsOf: chunk.prefix(512 - bytes.count))
        if bytes.count >= 512 { throw Enough() }
    }
}

/// A byte source over an array (small request bodies).
final class BytesSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 {
            bytes[offset..<(offset + n)].withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            offset += n
        }
        return n
    }
}
