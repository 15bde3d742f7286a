internal import CBson
internal import CMongoc

/// A libmongoc / libbson failure with the library's own domain, code and
/// message (the server's message for server errors).
public struct MongoError: Error, CustomStringConvertible, Sendable {
    public let domain: UInt32
    public let code: UInt32
    public let message: String
    public let operation: String

    public init(operation: String, domain: UInt32 = 0, code: UInt32 = 0, message: String) {
        self.operation = operation
        self.domain = domain
        self.code = code
        self.message = message
    }

    init(_ error: bson_error_t, operation: String) {
        var copy = error
        let message = withUnsafeBytes(of: &copy.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        self.init(operation: operation, domain: error.domain, code: error.code, message: message)
    }

    public var description: String { "\(operation): \(message)" }

    /// Authentication failed (wrong user, password or authSource).
    public var isAuthenticationFailure: Bool {
        code == 18 || domain == MONGOC_ERROR_CLIENT.rawValue && code == MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue
    }
    /// The server could not be reached or selected in time.
    public var isUnreachable: Bool {
        domain == MONGOC_ERROR_SERVER_SELECTION.rawValue || domain == MONGOC_ERROR_STREAM.rawValue
    }
}

/// The one funnel for libmongoc's "false + bson_error_t" results.
@inline(__always)
func checkMongo(_ ok: Bool, _ error: bson_error_t, _ operation: String) throws {
    if !ok { throw MongoError(error, operation: operation) }
}
