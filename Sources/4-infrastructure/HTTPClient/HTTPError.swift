import ErrorCategories
internal import CCurl

/// A transport failure with libcurl's own message (connection refused, no
/// such socket, timeout…), or a failure of our body source or sink.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let operation: String

    public var description: String { "\(operation): \(message)" }

    /// The unix socket or host could not be connected to.
    public var isConnectionFailure: Bool {
        code == Int32(CURLE_COULDNT_CONNECT.rawValue) || code == Int32(CURLE_COULDNT_RESOLVE_HOST.rawValue)
    }

    /// The server says the file or folder is not there (SFTP, FTP).
    public var isRemoteFileMissing: Bool { code == Int32(CURLE_REMOTE_FILE_NOT_FOUND.rawValue) }

    /// The server's identity was not accepted (an SSH host key not in
    /// known_hosts, a TLS certificate not trusted): never retried.
    public var isPeerRejected: Bool { code == Int32(CURLE_PEER_FAILED_VERIFICATION.rawValue) }

    /// The server did not accept the login (an SSH key not authorized).
    public var isLoginDenied: Bool { code == Int32(CURLE_LOGIN_DENIED.rawValue) || code == Int32(CURLE_AUTH_ERROR.rawValue) }

    /// A file command (rename, rm) the server refused.
    public var isCommandRefused: Bool { code == Int32(CURLE_QUOTE_ERROR.rawValue) }

    /// A failure of the network or the server that a later attempt may not
    /// meet (refused or reset connections, timeouts, an empty reply), as
    /// opposed to one of our own callbacks failing.
    public var isTransient: Bool {
        let transient: [CURLcode] = [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT,
                                     CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
                                     CURLE_HTTP2, CURLE_SSL_CONNECT_ERROR, CURLE_SSH]
        return transient.contains { Int32($0.rawValue) == code }
    }
}

/// The one funnel for libcurl return codes.
func checkCurl(_ code: CURLcode, _ operation: String, detail: String = "") throws {
    guard code != CURLE_OK else { return }
    let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : "\(String(cString: curl_easy_strerror(code))): \(detail)"
    throw HTTPError(code: Int32(code.rawValue), message: message, operation: operation)
}

extension HTTPError: CategorizedError {
    public var category: ErrorCategory { .failure }
}
