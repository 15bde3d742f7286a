import ByteStreams
import Foundation
import HTTPClient

/// Reads an object as a stream of ranged GETs, each retried on its own,
/// with the next range fetched while the current one is consumed. Every
/// range names the ETag seen at open (`If-Match`), so an object replaced
/// in the middle of a read fails instead of mixing two versions.
/// Memory: two ranges.
final class S3ObjectSource: ByteSource, @unchecked Sendable {
    // @unchecked Sendable: `prefetched` is written by the prefetch work
    // item before it signals `ready`, and read only after waiting on it.
    private let client: S3Client
    private let objectKey: String
    private let size: Int64
    private let etag: String?
    private let rangeSize: Int
    private var nextOffset: Int64 = 0
    private var chunk: [UInt8] = []
    private var chunkOffset = 0
    private var prefetched: Result<[UInt8], any Error>?
    private var ready: DispatchSemaphore?

    init(client: S3Client, objectKey: String, size: Int64, etag: String?) {
        self.client = client
        self.objectKey = objectKey
        self.size = size
        self.etag = etag
        self.rangeSize = max(client.options.partSize, 1 << 20)
    }

    deinit { ready?.wait() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if chunkOffset == chunk.count {
            guard let next = try nextChunk() else { return 0 }
            chunk = next
            chunkOffset = 0
        }
        let n = min(buffer.count, chunk.count - chunkOffset)
        chunk.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + chunkOffset, byteCount: n) }
        chunkOffset += n
        return n
    }

    private func nextChunk() throws -> [UInt8]? {
        let result: Result<[UInt8], any Error>
        if let ready {
            ready.wait()
            self.ready = nil
            result = prefetched!
            prefetched = nil
        } else {
            guard nextOffset < size else { return nil }
            result = Result { try fetch(from: nextOffset) }
        }
        let bytes = try result.get()
        nextOffset += Int64(bytes.count)
        if nextOffset < size { startPrefetch(from: nextOffset) }
        return bytes.isEmpty ? nil : bytes
    }

    private func startPrefetch(from offset: Int64) {
        let semaphore = DispatchSemaphore(value: 0)
        ready = semaphore
        DispatchQueue.global().async { [self] in
            prefetched = Result { try fetch(from: offset) }
            semaphore.signal()
        }
    }

    private func fetch(from offset: Int64) throws -> [UInt8] {
        let last = min(size, offset + Int64(rangeSize)) - 1
        var headers = ["range": "bytes=\(offset)-\(last)"]
        if let etag { headers["if-match"] = etag }
        let response = try client.send("GET", key: objectKey, headers: headers, accept: [200, 206], expectedBodySize: Int(last - offset + 1),
                                       operation: "download of s3://\(client.location.bucket)/\(objectKey)")
        let expected = Int(last - offset + 1)
        var body = response.body
        if response.status == 200 && body.count == Int(size) && offset > 0 {
            body = Array(body[Int(offset)...Int(last)])  // a server that ignores ranges
        }
        guard body.count == expected else {
            throw S3Error(.integrity, "asked for bytes \(offset)-\(last), received \(body.count)",
                          operation: "download of s3://\(client.location.bucket)/\(objectKey)")
        }
        return body
    }
}
