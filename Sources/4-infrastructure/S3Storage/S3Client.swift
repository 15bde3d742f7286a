import ByteStreams
import Foundation
import HTTPClient
import Storage
import LifeboatCrypto
import Synchronization

/// Signed S3 requests with retries. Each thread borrows a curl handle from
/// a small pool, so connections are kept alive between requests.
final class S3Client: @unchecked Sendable {
    // @unchecked Sendable: the only mutable state is `idle`, guarded by
    // `lock`; a borrowed HTTPTransfer is used by one thread at a time.
    let location: S3Location
    let options: S3Options
    let signer: SigV4Signer
    private let lock = NSLock()
    private var idle: [HTTPTransfer] = []

    init(location: S3Location, credentials: S3Credentials, options: S3Options) {
        self.location = location
        self.options = options
        self.signer = SigV4Signer(credentials: credentials, region: location.region)
    }

    /// The same server and credentials with other transfer options.
    init(_ other: S3Client, options: S3Options) {
        self.location = other.location
        self.options = options
        self.signer = other.signer
    }

    /// A request body held in memory, so every retry can send it again.
    struct Body {
        let bytes: UnsafeRawBufferPointer
        let sha256: String
        let md5Base64: String?

        /// The SHA-256 as `x-amz-checksum-sha256` wants it (base64 of the raw digest).
        var sha256Base64: String {
            var raw: [UInt8] = []
            var index = sha256.startIndex
            while index < sha256.endIndex {
                let next = sha256.index(index, offsetBy: 2)
                raw.append(UInt8(sha256[index..<next], radix: 16)!)
                index = next
            }
            return Data(raw).base64EncodedString()
        }
    }

    /// Sends one request, retrying transient failures with backoff and
    /// jitter; a reply with an error status becomes an `S3Error` carrying
    /// S3's code and message. `accept` lists statuses that are not errors.
    func send(_ method: String, key: String?, query: [(String, String)] = [], headers: [String: String] = [:],
              body: Body? = nil, accept: Set<Int> = [200], expectedBodySize: Int = 0, operation: String) throws -> HTTPResponse {
        let path = location.path(objectKey: key)
        let url = location.url(path: path, query: SigV4Signer.canonicalQuery(query))
        if let earlier = UnreachableServers.reason(location.endpointKey) {
            throw S3Error(.transport, "not tried: \(location.endpointKey) did not answer earlier in this run (\(earlier))", operation: operation)
        }
        let started = Date()
        let deadline = started.addingTimeInterval(Double(options.operationTimeoutSeconds))
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try once(method, url: url, path: path, query: query, headers: headers, body: body, expectedBodySize: expectedBodySize)
                if accept.contains(response.status) { return response }
                throw Self.error(from: response, operation: operation, attempts: attempt)
            } catch let error as S3Error {
                guard error.isRetryable, attempt < options.maxAttempts else {
                    throw S3Error(error.kind, error.message, operation: error.operation, attempts: attempt)
                }
            } catch let error as HTTPError {
                guard error.isTransient else { throw error }
                let pause = backoff(attempt: attempt)
                guard attempt < options.maxAttempts, Date().addingTimeInterval(pause) < deadline else {
                    let spent = Int(Date().timeIntervalSince(started))
                    let why = attempt < options.maxAttempts ? "\(error.message); gave up after \(spent) s (S3_TIMEOUT_SECONDS=\(options.operationTimeoutSeconds))" : error.message
                    // Later requests of this run to the same server fail at once.
                    UnreachableServers.mark(location.endpointKey, reason: error.message)
                    throw S3Error(.transport, why, operation: operation, attempts: attempt)
                }
                Thread.sleep(forTimeInterval: pause)
                continue
            }
            Thread.sleep(forTimeInterval: backoff(attempt: attempt))
        }
    }


    func backoff(attempt: Int) -> Double {
        let ceiling = min(options.maxDelay, options.baseDelay * pow(2, Double(attempt - 1)))
        return Double.random(in: ceiling / 2...ceiling)
    }

    private func once(_ method: String, url: String, path: String, query: [(String, String)], headers: [String: String],
                      body: Body?, expectedBodySize: Int) throws -> HTTPResponse {
        var all = headers
        if let md5 = body?.md5Base64 { all["content-md5"] = md5 }
        let signed = try signer.sign(method: method, host: location.host, path: path, query: query, headers: all,
                                     payloadHash: body?.sha256 ?? SigV4Signer.emptyPayloadHash, date: Date())
        let transfer = try borrow()
        defer { giveBack(transfer) }
        let lines = signed.map { "\($0.key): \($0.value)" }
        if let body {
            return try transfer.perform(method: method, url: url, headers: lines, body: MemorySource(body.bytes),
                                        bodyLength: Int64(body.bytes.count), stallSeconds: options.stallSeconds, connectTimeoutSeconds: 10)
        }
        return try transfer.perform(method: method, url: url, headers: lines, stallSeconds: options.stallSeconds, connectTimeoutSeconds: 10,
                                    expectedBodySize: expectedBodySize)
    }

    private func borrow() throws -> HTTPTransfer {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        return try reused ?? HTTPTransfer()
    }

    private func giveBack(_ transfer: HTTPTransfer) {
        lock.lock()
        if idle.count < options.parallelParts + 2 { idle.append(transfer) }
        lock.unlock()
    }

    static func error(from response: HTTPResponse, operation: String, attempts: Int) -> S3Error {
        let xml = Substring(response.text)
        let code = S3XML.text("Code", in: xml) ?? ""
        var message = S3XML.text("Message", in: xml) ?? ""
        if message.isEmpty {
            switch response.status {
            case 404: message = "not found"
            case 403: message = "access denied (the reply gave no details)"
            default: message = "the server answered HTTP \(response.status)"
            }
        }
        if code == "InvalidObjectState" { return S3Error(.archived, message, operation: operation, attempts: attempts) }
        return S3Error(.server(status: response.status, code: code), message, operation: operation, attempts: attempts)
    }

    static func body(_ bytes: UnsafeRawBufferPointer, md5: Bool = true) throws -> Body {
        let sha = Hex.encode(try SHA256Digest.digest(of: bytes))
        let md5Base64 = md5 ? Data(try SHA256Digest.digest(of: bytes, .md5)).base64EncodedString() : nil
        return Body(bytes: bytes, sha256: sha, md5Base64: md5Base64)
    }
}
