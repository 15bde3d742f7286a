import ByteStreams
import Foundation
import RedisClient

/// Takes a consistent RDB snapshot over the replication protocol, as
/// `redis-cli --rdb` does: `REPLCONF capa eof`, `REPLCONF rdb-only 1`,
/// `SYNC`, then either `$<length>` and that many bytes, or (diskless)
/// `$EOF:<40-byte mark>` and bytes until the mark. Bare newlines before the
/// payload are the server's keep-alives while it prepares. The snapshot is
/// streamed to the sink through a 1 MiB buffer and validated on the way.
public final class RedisSnapshotter: Sendable {
    private let endpoint: RedisEndpoint
    private let warn: @Sendable (String) -> Void

    public init(endpoint: RedisEndpoint, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.endpoint = endpoint
        self.warn = warn
    }

    public func snapshot(into sink: any ByteSink) throws -> RedisSummary {
        do {
            return try takeSnapshot(into: sink)
        } catch {
            throw RedisSourceError.from(error)
        }
    }

    private func takeSnapshot(into sink: any ByteSink) throws -> RedisSummary {
        // A long read timeout: keep-alive newlines arrive every second while
        // the server prepares, but a big dataset's first bytes may take a while.
        let connection = try endpoint.connect(timeoutSeconds: 120)
        let info = try connection.expect(["INFO", "server"]).text ?? ""
        let version = Self.field("redis_version", in: info) ?? "unknown"
        let keyspace = Self.keyspace(try connection.expect(["INFO", "keyspace"]).text ?? "")

        // Errors from older servers are not fatal, as in redis-cli.
        _ = try connection.command(["REPLCONF", "capa", "eof"])
        _ = try connection.command(["REPLCONF", "rdb-only", "1"])
        try connection.writeRaw("SYNC\r\n")
        let stream = ReplicationStream(connection)

        let header = try stream.readHeader()
        var validator = RDBValidator()
        let method: String
        switch header {
        case .length(let length):
            method = "sync-disk"
            var remaining = length
            while remaining > 0 {
                let chunk = try stream.read(max: Int(min(remaining, 1 << 20)))
                guard !chunk.isEmpty else { throw RedisSourceError(.data, "the connection closed after \(length - remaining) of \(length) snapshot bytes") }
                try chunk.withUnsafeBytes { raw in
                    validator.update(raw)
                    try sink.write(raw)
                }
                remaining -= Int64(chunk.count)
            }
        case .endMark(let mark):
            method = "sync-diskless"
            // Hold back the last 40 bytes: they may be (the start of) the mark.
            var held: [UInt8] = []
            while true {
                let chunk = try stream.read(max: 1 << 20)
                guard !chunk.isEmpty else { throw RedisSourceError(.data, "the connection closed before the end of the diskless snapshot") }
                held.append(contentsOf: chunk)
                if held.count >= mark.count && Array(held.suffix(mark.count)) == mark {
                    held.removeLast(mark.count)
                    try held.withUnsafeBytes { raw in
                        validator.update(raw)
                        try sink.write(raw)
                    }
                    break
                }
                if held.count > mark.count {
                    let ready = held.count - mark.count
                    try held[..<ready].withUnsafeBytes { raw in
                        validator.update(raw)
                        try sink.write(raw)
                    }
                    held.removeFirst(ready)
                }
            }
        }
        let rdbVersion = try validator.finish()
        return RedisSummary.measured(serverVersion: version, rdbVersion: rdbVersion, bytes: validator.count, counted: validator.keyCounts,
                                     info: keyspace, method: method, warn: warn)
    }

    static func field(_ name: String, in info: String) -> String? {
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(name + ":") {
            return String(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// `db0:keys=3,expires=1,avg_ttl=0` lines.
    static func keyspace(_ info: String) -> (keys: [String: Int], expires: Int) {
        var keys: [String: Int] = [:]
        var expires = 0
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("db") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let db = String(line[..<colon])
            for pair in line[line.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=")
                guard parts.count == 2, let value = Int(parts[1]) else { continue }
                if parts[0] == "keys" { keys[db] = value }
                if parts[0] == "expires" { expires += value }
            }
        }
        return (keys, expires)
    }
}

/// The raw bytes after `SYNC`, starting with what hiredis had buffered.
final class ReplicationStream {
    enum Header { case length(Int64), endMark([UInt8]) }

    private let connection: RedisConnection
    private var buffered: [UInt8]

    init(_ connection: RedisConnection) {
        self.connection = connection
        self.buffered = connection.pendingBytes
    }

    /// Reused for every socket read: a fresh megabyte per read would be
    /// zero-filled only to carry the ~64 KiB a read returns.
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)

    func read(max: Int) throws -> [UInt8] {
        if !buffered.isEmpty {
            let take = min(max, buffered.count)
            defer { buffered.removeFirst(take) }
            return Array(buffered.prefix(take))
        }
        let limit = min(max, chunk.count)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(connection.fileDescriptor, $0.baseAddress, limit) }
            if n >= 0 { return Array(chunk.prefix(n)) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw RedisError(.connection, "read the snapshot", "timed out waiting for Redis") }
            throw RedisError(.connection, "read the snapshot", String(cString: strerror(errno)))
        }
    }

    private func readByte() throws -> UInt8 {
        let byte = try read(max: 1)
        guard let first = byte.first else { throw RedisError(.connection, "SYNC", "the connection closed before the snapshot began") }
        return first
    }

    /// Skips keep-alive newlines and parses the `$…` line.
    func readHeader() throws -> Header {
        var line: [UInt8] = []
        while true {
            let byte = try readByte()
            if byte == 0x0A {
                if line.isEmpty { continue }  // keep-alive
                break
            }
            if byte != 0x0D { line.append(byte) }
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("-") {
            throw RedisSourceError(.refused, "Redis refused SYNC: \(text.dropFirst())",
                                   hint: "the server may have the command renamed or disabled (a managed Redis); backups then fall back to BGSAVE through the Docker engine")
        }
        guard text.hasPrefix("$") else { throw RedisSourceError(.data, "unexpected reply to SYNC: \(text.prefix(80))") }
        if text.hasPrefix("$EOF:") {
            let mark = Array(line.dropFirst(5))
            guard mark.count == 40 else { throw RedisSourceError(.data, "a diskless snapshot mark of \(mark.count) bytes (expected 40)") }
            return .endMark(mark)
        }
        guard let length = Int64(text.dropFirst()), length >= 0 else { throw RedisSourceError(.data, "bad snapshot length line: \(text.prefix(80))") }
        return .length(length)
    }
}
