import ErrorCategories
import Foundation
import RedisClient

/// Where Redis is and how to log in, from `REDIS_URL`
/// (`redis://[user:password@]host:port[/db]`).
public struct RedisEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?

    public init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let problem: String
        public var description: String { problem }
    }

    public init(url text: String) throws {
        if text.hasPrefix("rediss://") {
            throw ParseError(problem: "rediss:// (TLS) is not supported by this build's hiredis; use redis:// on a private network")
        }
        guard text.hasPrefix("redis://") else { throw ParseError(problem: "must start with redis://, e.g. redis://:password@redis:6379/") }
        var rest = Substring(text.dropFirst("redis://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let info = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                user = info[..<colon].isEmpty ? nil : String(info[..<colon]).removingPercentEncoding
                password = String(info[info.index(after: colon)...]).removingPercentEncoding
            } else {
                password = String(info).removingPercentEncoding
            }
        }
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw ParseError(problem: "the port must be a number from 1 to 65535")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw ParseError(problem: "no host; e.g. redis://redis:6379/") }
        self.init(host: host, port: port, user: user, password: password)
    }

    /// Connects and authenticates.
    public func connect(timeoutSeconds: Int = 10) throws -> RedisConnection {
        let connection = try RedisConnection(host: host, port: port, timeoutSeconds: timeoutSeconds)
        if let password {
            if let user {
                try connection.expect(["AUTH", user, password])
            } else {
                try connection.expect(["AUTH", password])
            }
        }
        return connection
    }
}

public struct RedisSourceError: Error, CustomStringConvertible, Sendable {
    /// `targetNotEmpty`: a restore refused because the target holds keys (--overwrite).
    public enum Kind: Sendable { case configuration, authentication, unreachable, refused, targetNotEmpty, data, server }
    public let kind: Kind
    public let message: String
    public let hint: String?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { message }

    static func from(_ error: any Error) -> any Error {
        switch error {
        case let error as RedisError where error.kind == .authentication:
            return RedisSourceError(.authentication, "Redis refused the credentials in REDIS_URL: \(error.message)", hint: "check the user name and password")
        case let error as RedisError where error.kind == .connection:
            return RedisSourceError(.unreachable, "cannot reach Redis: \(error.message)", hint: "check REDIS_URL's host and port, and that the server is running")
        case let error as RedisError:
            return RedisSourceError(.server, "Redis: \(error)")
        case let error as RDBValidator.Failure:
            return RedisSourceError(.data, error.description)
        default:
            return error
        }
    }
}

extension RedisSourceError: CategorizedError {
    public var category: ErrorCategory {
        switch kind {
        case .configuration, .targetNotEmpty: return .usage
        case .data: return .corruptData
        case .authentication, .unreachable, .refused, .server: return .failure
        }
    }
    public var recoveryHint: String? { hint }
}

extension RedisEndpoint.ParseError: CategorizedError {
    public var category: ErrorCategory { .usage }
}
