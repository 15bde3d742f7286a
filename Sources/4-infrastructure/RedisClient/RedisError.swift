internal import CHiredis

/// A hiredis or server error with its own message.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case connection, authentication, server, protocolError }
    public let kind: Kind
    public let message: String
    public let operation: String

    public init(_ kind: Kind, _ operation: String, _ message: String) {
        self.kind = kind
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }
}

/// The one funnel for hiredis context errors.
func checkContext(_ context: UnsafeMutablePointer<redisContext>, _ operation: String) throws {
    if chiredis_err(context) != 0 {
        throw RedisError(.connection, operation, String(cString: chiredis_errstr(context)))
    }
}
