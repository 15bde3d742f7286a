import ErrorCategories
import HTTPClient

/// A failed SFTP operation, with libcurl's (libssh2's) message and how
/// many attempts were made.
public struct SFTPError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached or the connection broke.
        case transport
        /// The host key is not the one known_hosts holds: never retried.
        case hostKey
        /// The key was not accepted.
        case login
        /// The server refused a file operation (permissions, a full disk).
        case refused
    }

    public let kind: Kind
    public let message: String
    public let operation: String
    public let attempts: Int

    public var description: String { "\(operation): \(message)\(attempts > 1 ? " (after \(attempts) attempts)" : "")" }

    static func from(_ error: HTTPError, attempts: Int) -> SFTPError {
        let kind: Kind = error.isPeerRejected ? .hostKey : error.isLoginDenied ? .login : error.isTransient ? .transport : .refused
        return SFTPError(kind: kind, message: error.message, operation: error.operation, attempts: attempts)
    }
}

extension SFTPError: CategorizedError {
    public var category: ErrorCategory { .failure }
    public var recoveryHint: String? {
        switch kind {
        case .hostKey: return "check the server's key (ssh-keyscan -p PORT HOST, compared out of band) and put its line in the target's KNOWN_HOSTS file; a key that changed unexpectedly may mean someone is in between"
        case .login: return "add the public key of the target's SSH_KEY to the server's ~/.ssh/authorized_keys for this user"
        case .transport: return "check that the server is up and reachable from this container (host, port, firewall)"
        case .refused: return nil
        }
    }
}
