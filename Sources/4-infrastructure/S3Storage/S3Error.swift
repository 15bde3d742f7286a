import ErrorCategories
/// A failed S3 request: the HTTP status with S3's own error code and
/// message (`NoSuchBucket`, `SignatureDoesNotMatch`…), or the transport's.
public struct S3Error: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error status.
        case server(status: Int, code: String)
        /// The network failed (connection refused or reset, timeout).
        case transport
        /// The object exists but sits in an archive class (Glacier) and is not restored.
        case archived
        /// What the server stored is not what we sent (checksum or size).
        case integrity
    }

    public let kind: Kind
    public let message: String
    public let operation: String
    public let attempts: Int

    public init(_ kind: Kind, _ message: String, operation: String, attempts: Int = 1) {
        self.kind = kind
        self.message = message
        self.operation = operation
        self.attempts = attempts
    }

    public var code: String? {
        if case .server(_, let code) = kind { return code }
        return nil
    }

    public var status: Int? {
        if case .server(let status, _) = kind { return status }
        return nil
    }

    public var description: String {
        let tries = attempts > 1 ? " (after \(attempts) attempts)" : ""
        switch kind {
        case .server(let status, let code):
            return "\(operation): \(code.isEmpty ? "HTTP \(status)" : "\(code) (HTTP \(status))"): \(message)\(tries)"
        case .transport, .archived, .integrity:
            return "\(operation): \(message)\(tries)"
        }
    }

    /// What a person should do about it, where that is clear.
    public var hint: String? {
        switch code {
        case "InvalidAccessKeyId": return "check AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID_FILE)"
        case "SignatureDoesNotMatch": return "check AWS_SECRET_ACCESS_KEY (or its _FILE) and AWS_REGION"
        case "NoSuchBucket": return "create the bucket, or fix AWS_S3_BUCKET"
        case "AccessDenied": return "the credentials lack permission for this bucket (s3:GetObject, PutObject, ListBucket, DeleteObject)"
        case "InvalidObjectState": return "the object is in an archive storage class: `lifeboat thaw` requests its restore"
        default:
            if kind == .transport { return "check AWS_ENDPOINT_URL and the network; the request was retried with backoff" }
            if kind == .archived { return "`lifeboat thaw ID` (with `--tier NAME` for a tier other than glacier) requests a restore from the archive class; then try again when it is done" }
            return nil
        }
    }

    /// Worth another attempt: throttling, server errors, the network.
    var isRetryable: Bool {
        switch kind {
        case .transport: return true
        case .server(let status, let code):
            if status >= 500 || status == 429 { return true }
            return ["RequestTimeout", "SlowDown", "Throttling", "ThrottlingException", "RequestTimeTooSkewed", "InternalError"].contains(code)
        case .archived, .integrity: return false
        }
    }
}

extension S3Error: CategorizedError {
    /// A download whose bytes do not match their checksum is an I/O fault
    /// of the transfer (retried, then reported as such), not of the set.
    public var category: ErrorCategory { kind == .integrity ? .localIO : .failure }
    public var recoveryHint: String? { hint }
}
