import CCurl

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
}

/// The one funnel for libcurl return codes.
func checkCurl(_ code: CURLcode, _ operation: String, detail: String = "") throws {
    guard code != CURLE_OK else { return }
    let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : "\(String(cString: curl_easy_strerror(code))): \(detail)"
    throw HTTPError(code: Int32(code.rawValue), message: message, operation: operation)
}
