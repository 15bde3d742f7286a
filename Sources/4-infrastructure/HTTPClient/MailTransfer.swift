import ByteStreams
internal import CCurl
import Foundation

/// One message through SMTP with libcurl's SMTP client: `smtp://` with
/// STARTTLS (required unless told otherwise) or `smtps://` (TLS from the
/// first byte), optional authentication, one or more recipients. The
/// message is the caller's RFC 5322 text (CRLF lines); libcurl escapes a
/// leading dot. Blocking; callers use their own threads.
public final class MailTransfer {
    private let handle: UnsafeMutableRawPointer
    private let state = TransferState()

    public init() throws {
        _ = HTTPTransfer.globalInit
        guard let handle = curl_easy_init() else { throw HTTPError(code: -1, message: "curl_easy_init failed", operation: "SMTP") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// What an SMTP failure was: the server's last reply code (550, 421…)
    /// when it answered, so a caller can tell a refusal from an outage.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let reply: Int
        public let error: HTTPError
        public var description: String { reply > 0 ? "\(error.message) (the server's last reply: \(reply))" : error.message }
        /// 5xx: the server refused for good (a wrong recipient, sender or
        /// login); another attempt would be refused the same way.
        public var isRefusal: Bool { (500..<600).contains(reply) || error.code == Int32(CURLE_LOGIN_DENIED.rawValue) || isTLSUnavailable }
        /// The server offers no STARTTLS (and TLS was required).
        public var isTLSUnavailable: Bool { error.code == Int32(CURLE_USE_SSL_FAILED.rawValue) }
    }

    public func send(url: String, from: String, to recipients: [String], message: [UInt8],
                     user: String?, password: String?, requireTLS: Bool, caFile: String?, timeoutSeconds: Int) throws {
        curl_easy_reset(handle)
        let operation = "SMTP to \(URLComponents(string: url)?.host ?? "?")"
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        do {
            try errorBuffer.withUnsafeMutableBufferPointer { buffer in
                try message.withUnsafeBytes { bytes in
                    state.reset(source: MemorySource(bytes), sink: nil)
                    defer { state.reset(source: nil, sink: nil) }
                    try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress), operation)
                    // The handle must not keep a pointer to this buffer past the call.
                    defer { _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil) }
                    try checkCurl(ccurl_setopt_string(handle, CURLOPT_URL, url), operation)
                    try checkCurl(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), operation)
                    try checkCurl(ccurl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds), operation)
                    try checkCurl(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, min(timeoutSeconds, 10)), operation)
                    if requireTLS || url.hasPrefix("smtps://") {
                        try checkCurl(ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)), operation)
                    }
                    if let caFile { try checkCurl(ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile), operation) }
                    if let user { try checkCurl(ccurl_setopt_string(handle, CURLOPT_USERNAME, user), operation) }
                    if let password { try checkCurl(ccurl_setopt_string(handle, CURLOPT_PASSWORD, password), operation) }
                    try checkCurl(ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(from)>"), operation)
                    var list: UnsafeMutablePointer<curl_slist>?
                    for recipient in recipients { list = curl_slist_append(list, "<\(recipient)>") }
                    defer { curl_slist_free_all(list) }
                    try checkCurl(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, list), operation)
                    let box = Unmanaged.passUnretained(state).toOpaque()
                    try checkCurl(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), operation)
                    try checkCurl(ccurl_setopt_read(handle, httpReadCallback), operation)
                    try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_READDATA, box), operation)
                    try checkCurl(ccurl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(bytes.count)), operation)
                    let code = curl_easy_perform(handle)
                    if let error = state.error { throw error }
                    try checkCurl(code, operation, detail: String(cString: buffer.baseAddress!))
                }
            }
        } catch let error as HTTPError {
            var reply = 0
            _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
            throw Failure(reply: reply, error: error)
        }
    }
}
