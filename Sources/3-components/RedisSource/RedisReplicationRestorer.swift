import ByteStreams
import Foundation
import RedisClient

/// Restores an RDB into a running Redis with no restart and no access to
/// its files: Lifeboat briefly acts as a master. The target is told
/// `REPLICAOF <us>`, asks for a full resynchronisation, receives the RDB
/// from us and loads it (replacing its data, and rewriting its AOF if it
/// has one); once its link reports up, `REPLICAOF NO ONE` makes it a
/// master again, holding exactly the snapshot.
public final class RedisReplicationRestorer: Sendable {
    public struct Outcome: Sendable {
        public var keys: Int
        public var seconds: Double
        /// The loaded key count against the snapshot's.
        public var keyCheck: RedisSummary.KeyCheck
    }

    private let endpoint: RedisEndpoint
    private let timeoutSeconds: Double

    public init(endpoint: RedisEndpoint, timeoutSeconds: Double = 600) {
        self.endpoint = endpoint
        self.timeoutSeconds = timeoutSeconds
    }

    /// `length` is the RDB's size (the manifest's `bytes`); `expected` the
    /// snapshot's summary, whose key count is checked after the load.
    public func restore(from source: any ByteSource, length: Int64, expected: RedisSummary?, overwrite: Bool) throws -> Outcome {
        do {
            return try run(source, length: length, expected: expected, overwrite: overwrite)
        } catch {
            throw RedisSourceError.from(error)
        }
    }

    private func run(_ source: any ByteSource, length: Int64, expected: RedisSummary?, overwrite: Bool) throws -> Outcome {
        let started = Date()
        let connection = try endpoint.connect()
        let replication = try connection.expect(["INFO", "replication"]).text ?? ""
        if RedisSnapshotter.field("role", in: replication) == "slave" {
            throw RedisSourceError(.refused, "the Redis at \(endpoint.host):\(endpoint.port) is a replica", hint: "restore into its master")
        }
        let existing = RedisSnapshotter.keyspace(try connection.expect(["INFO", "keyspace"]).text ?? "").keys.values.reduce(0, +)
        if existing > 0 && !overwrite {
            throw RedisSourceError(.targetNotEmpty, "the Redis at \(endpoint.host):\(endpoint.port) holds \(existing) keys; a restore replaces all of them",
                                   hint: "pass --overwrite to replace them")
        }
        let listener = try Listener(localAddressOf: connection.fileDescriptor)
        defer { listener.close() }
        try connection.expect(["REPLICAOF", listener.host, String(listener.port)])
        var promoted = false
        defer {
            if !promoted { _ = try? connection.command(["REPLICAOF", "NO", "ONE"]) }
        }
        let replica = try listener.accept(timeout: 30)
        defer { Foundation.close(replica) }
        try serveFullSync(replica, source: source, length: length)

        // Wait until the replica has loaded the snapshot and reports the link up.
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let info = try connection.expect(["INFO", "replication"]).text ?? ""
            if RedisSnapshotter.field("master_link_status", in: info) == "up" { break }
            if Date() > deadline { throw RedisSourceError(.server, "the Redis did not finish loading the snapshot within \(Int(timeoutSeconds)) s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try connection.expect(["REPLICAOF", "NO", "ONE"])
        promoted = true
        let keys = RedisSnapshotter.keyspace(try connection.expect(["INFO", "keyspace"]).text ?? "").keys.values.reduce(0, +)
        let check = expected?.checkRestoredKeys(keys) ?? .notChecked("no snapshot summary")
        if check == .differs, let expected {
            throw RedisSourceError(.data, "after the restore Redis holds \(keys) keys; the snapshot held \(expected.totalKeys)")
        }
        return Outcome(keys: keys, seconds: Date().timeIntervalSince(started), keyCheck: check)
    }

    /// Answers the replica's handshake (PING, AUTH, REPLCONF) and its
    /// PSYNC / SYNC with a full resynchronisation carrying the RDB.
    private func serveFullSync(_ socket: Int32, source: any ByteSource, length: Int64) throws {
        let reader = RESPReader(socket)
        while true {
            let command = try reader.readCommand()
            guard let name = command.first?.uppercased() else { continue }
            switch name {
            case "PSYNC", "SYNC":
                if name == "PSYNC" {
                    let replid = (0..<40).map { _ in String("0123456789abcdef".randomElement()!) }.joined()
                    try send(socket, Array("+FULLRESYNC \(replid) 0\r\n".utf8))
                }
                try send(socket, Array("$\(length)\r\n".utf8))
                var sent: Int64 = 0
                try source.drain { chunk in
                    try send(socket, chunk)
                    sent += Int64(chunk.count)
                }
                if sent != length {
                    throw RedisSourceError(.data, "the snapshot has \(sent) bytes, the manifest says \(length)")
                }
                return
            case "PING":
                try send(socket, Array("+PONG\r\n".utf8))
            default:
                // REPLCONF listening-port / capa / ip-address, AUTH (masterauth): all fine.
                try send(socket, Array("+OK\r\n".utf8))
            }
        }
    }

    private func send(_ socket: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try send(socket, $0) }
    }

    private func send(_ socket: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.send(socket, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                throw RedisError(.connection, "send the snapshot to Redis", String(cString: strerror(errno)))
            }
            offset += n
        }
    }
}

/// A listening TCP socket on the address the target Redis reached us from,
/// so it can connect back (same network, same interface).
final class Listener {
    let fd: Int32
    let host: String
    let port: Int

    init(localAddressOf connected: Int32) throws {
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let got = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(connected, $0, &length) } }
        guard got == 0, local.sin_family == sa_family_t(AF_INET) else {
            throw RedisError(.connection, "prepare the restore", "only IPv4 connections to Redis are supported for restore")
        }
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw RedisError(.connection, "prepare the restore", String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = local
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(socketFD, 1) == 0 else {
            let message = String(cString: strerror(errno))
            Foundation.close(socketFD)
            throw RedisError(.connection, "listen for the Redis replica", message)
        }
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) } }
        fd = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(text.count))
        host = String(cString: text)
    }

    func accept(timeout seconds: Int32) throws -> Int32 {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, seconds * 1000)
        guard ready > 0 else {
            throw RedisError(.connection, "restore", "Redis did not connect back to \(host):\(port) within \(seconds) s (a firewall between the containers?)")
        }
        let client = Foundation.accept(fd, nil, nil)
        guard client >= 0 else { throw RedisError(.connection, "accept the Redis replica", String(cString: strerror(errno))) }
        return client
    }

    func close() { Foundation.close(fd) }
}

/// Reads RESP commands (arrays of bulk strings, or inline lines) from a socket.
final class RESPReader {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(_ fd: Int32) { self.fd = fd }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 30_000) > 0 else { throw RedisError(.protocolError, "restore", "the Redis replica went silent") }
        let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, 4096) }
        guard n > 0 else { throw RedisError(.connection, "restore", "the Redis replica closed the connection during the handshake") }
        buffer.append(contentsOf: chunk.prefix(n))
    }

    private func line() throws -> String {
        while true {
            if let end = buffer.firstIndex(of: 0x0A) {
                let text = String(decoding: buffer[..<end].filter { $0 != 0x0D }, as: UTF8.self)
                buffer.removeFirst(end + 1)
                return text
            }
            try fill()
        }
    }

    func readCommand() throws -> [String] {
        let first = try line()
        guard first.hasPrefix("*"), let count = Int(first.dropFirst()) else {
            return first.split(separator: " ").map(String.init)
        }
        var parts: [String] = []
        for _ in 0..<count {
            let header = try line()
            guard header.hasPrefix("$"), let size = Int(header.dropFirst()) else { throw RedisError(.protocolError, "restore", "bad command from the replica") }
            while buffer.count < size + 2 { try fill() }
            parts.append(String(decoding: buffer[..<size], as: UTF8.self))
            buffer.removeFirst(size + 2)
        }
        return parts
    }
}
