import ByteStreams
internal import CCurl
import Foundation

public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    /// The body when no sink was given (small JSON replies).
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// One HTTP exchange through a libcurl easy handle, over TCP or a unix
/// socket, with the request body streamed from a `ByteSource` and the
/// response body streamed to a `ByteSink` (or collected when small).
/// Blocking; callers use their own threads.
public final class HTTPTransfer {
    private let handle: UnsafeMutableRawPointer
    private let state = TransferState()

    /// libcurl's global initialisation, once per process (MailTransfer too).
    static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    public init() throws {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw HTTPError(code: -1, message: "curl_easy_init failed", operation: "HTTP") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs a request. `unixSocket` routes it through a socket file
    /// (the URL's host is then ignored, as with the Docker engine).
    public func perform(method: String, url: String, unixSocket: String? = nil, headers: [String] = [],
                        body: (any ByteSource)? = nil, bodyLength: Int64? = nil,
                        responseSink: (any ByteSink)? = nil, timeoutSeconds: Int = 0,
                        stallSeconds: Int = 0, connectTimeoutSeconds: Int = 0, expectedBodySize: Int = 0) throws -> HTTPResponse {
        curl_easy_reset(handle)
        state.reset(source: body, sink: responseSink)
        // A body of known size lands in one allocation, not a doubling series.
        if expectedBodySize > 0 { state.body.reserveCapacity(expectedBodySize) }
        let operation = "\(method) \(url)"
        try checkCurl(ccurl_setopt_string(handle, CURLOPT_URL, url), operation)
        if let unixSocket { try checkCurl(ccurl_setopt_string(handle, CURLOPT_UNIX_SOCKET_PATH, unixSocket), operation) }
        try checkCurl(ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), operation)
        try checkCurl(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), operation)
        if timeoutSeconds > 0 { try checkCurl(ccurl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds), operation) }
        if connectTimeoutSeconds > 0 { try checkCurl(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeoutSeconds), operation) }
        if stallSeconds > 0 {
            // A transfer that moves less than 1 byte a second for this long is dead.
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), operation)
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, stallSeconds), operation)
        }
        if method == "HEAD" { try checkCurl(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1), operation) }
        let box = Unmanaged.passUnretained(state).toOpaque()
        try checkCurl(ccurl_setopt_write(handle, httpWriteCallback), operation)
        try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, box), operation)
        try checkCurl(ccurl_setopt_header(handle, httpHeaderCallback), operation)
        try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, box), operation)
        if body != nil {
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), operation)
            try checkCurl(ccurl_setopt_read(handle, httpReadCallback), operation)
            try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_READDATA, box), operation)
            if let bodyLength { try checkCurl(ccurl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(bodyLength)), operation) }
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + (body != nil ? ["Expect:"] : []) { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        if let list { try checkCurl(ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list), operation) }

        let code = curl_easy_perform(handle)
        if let error = state.error { throw error }
        try checkCurl(code, operation)
        var status = 0
        try checkCurl(ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), operation)
        // The handle outlives the reply (it is pooled): it must not keep the body alive.
        let response = HTTPResponse(status: status, headers: state.headers, body: state.body)
        state.reset(source: nil, sink: nil)
        return response
    }
}

/// What the C callbacks reach: the body source, the response sink, the
/// collected headers and body, and the first error a callback met.
final class TransferState {
    var source: (any ByteSource)?
    var sink: (any ByteSink)?
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var error: (any Error)?

    func reset(source: (any ByteSource)?, sink: (any ByteSink)?) {
        self.source = source
        self.sink = sink
        body = []
        headers = [:]
        error = nil
    }
}

func httpWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    do {
        if let sink = state.sink { try sink.write(bytes) } else { state.body.append(contentsOf: bytes) }
        return bytes.count
    } catch {
        state.error = error
        return 0
    }
}

func httpReadCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
    do {
        return try state.source?.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count)) ?? 0
    } catch {
        state.error = error
        return Int(CURL_READFUNC_ABORT)
    }
}

func httpHeaderCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    if let colon = line.firstIndex(of: ":") {
        state.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return size * count
}
