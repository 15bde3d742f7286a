internal import CHiredis
import Foundation

/// A Redis reply, copied out of hiredis.
public indirect enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisReply])

    public var text: String? {
        switch self {
        case .status(let s), .error(let s): return s
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }
}

/// One hiredis connection (blocking). Not thread-safe.
public final class RedisConnection {
    let context: UnsafeMutablePointer<redisContext>
    public let host: String
    public let port: Int

    public init(host: String, port: Int, timeoutSeconds: Int = 10) throws {
        let timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        guard let context = redisConnectWithTimeout(host, Int32(port), timeout) else {
            throw RedisError(.connection, "connect to Redis at \(host):\(port)", "out of memory")
        }
        self.context = context
        self.host = host
        self.port = port
        // Every stored property is set: from here a throw runs deinit, which frees the context.
        try checkContext(context, "connect to Redis at \(host):\(port)")
        _ = redisSetTimeout(context, timeout)
    }

    deinit { redisFree(context) }

    /// Sends a command (binary-safe arguments) and returns the reply; an
    /// error reply is returned as `.error`, not thrown.
    public func command(_ arguments: [String]) throws -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    public func command(_ arguments: [[UInt8]]) throws -> RedisReply {
        let lengths = arguments.map { $0.count }
        let pointers = arguments.map { bytes -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { buffer.update(from: $0.baseAddress!, count: bytes.count) }
            }
            return buffer
        }
        defer { pointers.forEach { $0.deallocate() } }
        let raw = pointers.map { UnsafePointer<CChar>?($0) }
        let name = arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let reply = raw.withUnsafeBufferPointer { argv in
            lengths.withUnsafeBufferPointer { argvlen in
                redisCommandArgv(context, Int32(arguments.count), UnsafeMutablePointer(mutating: argv.baseAddress), argvlen.baseAddress)
            }
        }
        guard let reply else {
            try checkContext(context, "Redis \(name)")
            throw RedisError(.protocolError, "Redis \(name)", "no reply")
        }
        defer { freeReplyObject(reply) }
        return Self.convert(reply.assumingMemoryBound(to: redisReply.self))
    }

    /// Like `command`, but an error reply throws.
    @discardableResult
    public func expect(_ arguments: [String]) throws -> RedisReply {
        let reply = try command(arguments)
        if case .error(let message) = reply {
            let kind: RedisError.Kind = message.hasPrefix("WRONGPASS") || message.hasPrefix("NOAUTH") || message.contains("invalid password") ? .authentication : .server
            throw RedisError(kind, "Redis \(arguments.first ?? "")", message)
        }
        return reply
    }

    static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STATUS: return .status(String(cString: r.str))
        case REDIS_REPLY_ERROR: return .error(String(cString: r.str))
        case REDIS_REPLY_INTEGER: return .integer(r.integer)
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_STRING:
            return .bulk(Array(UnsafeRawBufferPointer(start: r.str, count: Int(r.len))))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            for i in 0..<Int(r.elements) { items.append(convert(r.element[i]!)) }
            return .array(items)
        default:
            return .null
        }
    }

    /// The socket, for reading a replication stream directly, and the bytes
    /// hiredis had already read past its last reply.
    public var fileDescriptor: Int32 { chiredis_fd(context) }
    public var pendingBytes: [UInt8] {
        let count = chiredis_pending(context)
        guard count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: chiredis_pending_bytes(context), count: count))
    }

    /// Writes raw bytes to the socket (for `SYNC`, whose reply is not RESP).
    public func writeRaw(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.write(fileDescriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RedisError(.connection, "write to Redis", String(cString: strerror(errno)))
            }
            offset += n
        }
    }
}
