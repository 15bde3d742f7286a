import ByteStreams
import Foundation
import HTTPClient
import LifeboatCrypto
import Storage

/// An object being uploaded with bounded memory: bytes fill part-sized
/// buffers (the part size doubles every 2,000 parts, so the 10,000-part
/// limit of S3 is reached only beyond 31 × 2,000 base parts: 372 GB at
/// 6 MiB); an object that fits in one buffer is a single PUT at commit,
/// anything larger becomes a multipart upload whose parts go out on
/// `parallelParts` threads while the producer fills the next buffer.
///
/// Every part and every single PUT carries `Content-MD5` and
/// `x-amz-checksum-sha256` (the server rejects a body that matches neither)
/// and its SHA-256 in the signature; after completion the object's ETag
/// (MD5, or MD5 of the part MD5s for multipart), its composite SHA-256
/// checksum when the server reports one, and its size are checked against
/// what was sent. A failure aborts
/// the multipart upload, so no orphan parts are left behind (and the next
/// `deleteAll` of the set aborts any that an unreachable server kept).
final class S3Upload: ObjectUpload, @unchecked Sendable {
    // @unchecked Sendable: the fields below `condition` are read and
    // written only while holding it; `current` belongs to the producer.
    private let client: S3Client
    private let objectKey: String
    private let storageClass: String?
    private let basePartSize: Int

    private let condition = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var allocated = 0
    private var queue: [(number: Int, buffer: UnsafeMutableRawBufferPointer, length: Int)] = []
    private var inFlight = 0
    private var partMD5s: [Int: [UInt8]] = [:]
    private var partSHA256s: [Int: String] = [:]
    private var failure: (any Error)?
    private var stopping = false
    private var runningWorkers = 0

    private var current: UnsafeMutableRawBufferPointer?
    private var currentLength = 0
    private var nextPartNumber = 1
    private var uploadID: String?
    private var total: Int64 = 0
    private var finished = false

    init(client: S3Client, objectKey: String, storageClass: String?) {
        self.client = client
        self.objectKey = objectKey
        self.storageClass = storageClass
        self.basePartSize = max(client.options.partSize, 5 << 20)
    }

    deinit {
        stopWorkers()
        for buffer in free { buffer.deallocate() }
        for job in queue { job.buffer.deallocate() }
        current?.deallocate()
    }

    private var operation: String { "upload of s3://\(client.location.bucket)/\(objectKey)" }

    static let partsPerSize = 2_000
    static let maxParts = 10_000

    /// The size of part `number`: the base size, doubled every 2,000 parts.
    func partSize(_ number: Int) -> Int {
        basePartSize << min(4, (number - 1) / Self.partsPerSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let partSize = partSize(nextPartNumber)
            if current == nil { current = try takeBuffer(minimum: partSize) }
            let n = min(partSize - currentLength, bytes.count - offset)
            (current!.baseAddress! + currentLength).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            currentLength += n
            offset += n
            total += Int64(n)
            if currentLength == partSize {
                if uploadID == nil { try startMultipart() }
                if nextPartNumber > Self.maxParts {
                    throw S3Error(.integrity, "the object exceeds S3's \(Self.maxParts) parts; raise S3_PART_SIZE_MB", operation: operation)
                }
                try enqueueCurrent()
            }
        }
    }

    func commit() throws {
        precondition(!finished, "commit after commit or abort")
        finished = true
        do {
            if uploadID == nil {
                try putWhole()
            } else {
                if currentLength > 0 { try enqueueCurrent() }
                try completeMultipart()
            }
        } catch {
            abortRemote()
            throw error
        }
    }

    func abort() {
        finished = true
        abortRemote()
    }

    /// Object Lock: the mode and the date until which no one (these
    /// credentials included) may delete or overwrite this version.
    private func lockHeaders(_ headers: inout [String: String]) {
        guard let lock = client.options.objectLock else { return }
        let until = Date().addingTimeInterval(TimeInterval(lock.days) * 86_400)
        headers["x-amz-object-lock-mode"] = lock.mode
        headers["x-amz-object-lock-retain-until-date"] = until.formatted(Date.ISO8601FormatStyle())
    }

    // MARK: single PUT

    private func putWhole() throws {
        let buffer = UnsafeRawBufferPointer(start: current?.baseAddress, count: currentLength)
        let body = try S3Client.body(currentLength == 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : buffer)
        var headers: [String: String] = ["content-type": "application/octet-stream", "x-amz-checksum-sha256": body.sha256Base64]
        if let storageClass { headers["x-amz-storage-class"] = storageClass }
        lockHeaders(&headers)
        let response = try client.send("PUT", key: objectKey, headers: headers, body: body, operation: operation)
        let expected = Hex.encode(try SHA256Digest.digest(of: buffer, .md5))
        try checkETag(response.headers["etag"], expected: expected)
    }

    // MARK: multipart

    private func startMultipart() throws {
        // SHA-256 part checksums: S3 checks each part and reports a composite
        // checksum of the whole (and servers that default to a full-object
        // CRC need not compute one).
        var headers: [String: String] = ["content-type": "application/octet-stream", "x-amz-checksum-algorithm": "SHA256"]
        if let storageClass { headers["x-amz-storage-class"] = storageClass }
        lockHeaders(&headers)
        let response = try client.send("POST", key: objectKey, query: [("uploads", "")], headers: headers, operation: "start of the multipart \(operation)")
        guard let id = S3XML.text("UploadId", in: Substring(response.text)), !id.isEmpty else {
            throw S3Error(.server(status: response.status, code: ""), "the reply to CreateMultipartUpload has no UploadId", operation: operation)
        }
        uploadID = id
        condition.lock()
        runningWorkers = max(1, client.options.parallelParts)
        condition.unlock()
        for index in 0..<runningWorkers {
            let thread = Thread { [self] in work() }
            thread.name = "lifeboat-s3-part-\(index)"
            thread.start()
        }
    }

    private func takeBuffer(minimum: Int) throws -> UnsafeMutableRawBufferPointer {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if let buffer = free.popLast() {
                if buffer.count >= minimum { return buffer }
                buffer.deallocate()  // the part size grew
                return .allocate(byteCount: minimum, alignment: 16)
            }
            if allocated < max(1, client.options.parallelParts) + 1 {
                allocated += 1
                return .allocate(byteCount: minimum, alignment: 16)
            }
            condition.wait()
        }
    }

    private func enqueueCurrent() throws {
        condition.lock()
        if let failure { condition.unlock(); throw failure }
        queue.append((nextPartNumber, current!, currentLength))
        condition.broadcast()
        condition.unlock()
        nextPartNumber += 1
        current = nil
        currentLength = 0
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping && failure == nil { condition.wait() }
            if stopping || failure != nil {
                runningWorkers -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = queue.removeFirst()
            inFlight += 1
            condition.unlock()

            var result: Result<([UInt8], String), any Error>
            do {
                result = .success(try uploadPart(job.number, UnsafeRawBufferPointer(start: job.buffer.baseAddress, count: job.length)))
            } catch {
                result = .failure(error)
            }

            condition.lock()
            inFlight -= 1
            free.append(job.buffer)
            switch result {
            case .success(let (md5, sha256)):
                partMD5s[job.number] = md5
                partSHA256s[job.number] = sha256
            case .failure(let error): if failure == nil { failure = error }
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Returns the part's MD5 and its SHA-256 (base64).
    private func uploadPart(_ number: Int, _ bytes: UnsafeRawBufferPointer) throws -> ([UInt8], String) {
        let body = try S3Client.body(bytes)
        let response = try client.send("PUT", key: objectKey, query: [("partNumber", String(number)), ("uploadId", uploadID!)],
                                       headers: ["x-amz-checksum-sha256": body.sha256Base64], body: body, operation: "part \(number) of the \(operation)")
        let md5 = try SHA256Digest.digest(of: bytes, .md5)
        try checkETag(response.headers["etag"], expected: Hex.encode(md5))
        return (md5, body.sha256Base64)
    }

    private func completeMultipart() throws {
        condition.lock()
        while (!queue.isEmpty || inFlight > 0) && failure == nil { condition.wait() }
        let error = failure
        let md5s = partMD5s
        let sha256s = partSHA256s
        condition.unlock()
        stopWorkers()
        if let error { throw error }
        let numbers = md5s.keys.sorted()
        guard numbers == Array(1..<nextPartNumber) else {
            throw S3Error(.integrity, "parts \(numbers) were uploaded, expected 1…\(nextPartNumber - 1)", operation: operation)
        }
        var xml = "<CompleteMultipartUpload>"
        for number in numbers { xml += "<Part><PartNumber>\(number)</PartNumber><ETag>\"\(Hex.encode(md5s[number]!))\"</ETag><ChecksumSHA256>\(sha256s[number]!)</ChecksumSHA256></Part>" }
        xml += "</CompleteMultipartUpload>"
        let bytes = Array(xml.utf8)
        let response = try bytes.withUnsafeBytes { buffer in
            try client.send("POST", key: objectKey, query: [("uploadId", uploadID!)], headers: ["content-type": "application/xml"],
                            body: try S3Client.body(buffer), operation: "completion of the multipart \(operation)")
        }
        // S3 may answer 200 and report the failure in the body.
        let reply = Substring(response.text)
        if reply.contains("<Error>") { throw S3Client.error(from: HTTPResponse(status: 500, headers: [:], body: response.body), operation: operation, attempts: 1) }
        let combined = try SHA256Digest.digest(of: numbers.flatMap { md5s[$0]! }, .md5)
        let expected = Hex.encode(combined) + "-\(numbers.count)"
        let etag = S3XML.text("ETag", in: reply) ?? response.headers["etag"]
        try checkETag(etag, expected: expected)
        if let reported = S3XML.text("ChecksumSHA256", in: reply) {
            let raw = numbers.flatMap { Array(Data(base64Encoded: sha256s[$0]!)!) }
            let composite = Data(try SHA256Digest.digest(of: raw)).base64EncodedString()
            if reported.split(separator: "-").first.map(String.init) != composite {
                throw S3Error(.integrity, "the server's composite SHA-256 (\(reported)) is not that of the parts sent (\(composite)-\(numbers.count))", operation: operation)
            }
        }
        uploadID = nil  // complete: nothing left to abort
        let head = try client.send("HEAD", key: objectKey, accept: [200], operation: "check of the \(operation)")
        if let length = head.headers["content-length"].flatMap(Int64.init), length != total {
            throw S3Error(.integrity, "the server holds \(length) bytes, \(total) were sent", operation: operation)
        }
    }

    private func checkETag(_ etag: String?, expected: String) throws {
        guard let etag else { return }  // some S3-compatible servers send none; Content-MD5 was still checked
        let found = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")).lowercased()
        if found != expected {
            throw S3Error(.integrity, "the server's checksum (ETag \(found)) is not the MD5 of what was sent (\(expected))", operation: operation)
        }
    }

    private func stopWorkers() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while runningWorkers > 0 { condition.wait() }
        condition.unlock()
    }

    private func abortRemote() {
        stopWorkers()
        guard let id = uploadID else { return }
        uploadID = nil
        _ = try? client.send("DELETE", key: objectKey, query: [("uploadId", id)], accept: [204, 200, 404],
                             operation: "abort of the multipart \(operation)")
    }
}
