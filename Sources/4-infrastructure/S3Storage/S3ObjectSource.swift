import ByteStreams
import Foundation
import HTTPClient

/// Reads an object as a stream of ranged GETs of 16 MiB, each retried on
/// its own, with the next two ranges fetched while the current one is
/// consumed. Every range names the ETag seen at open (`If-Match`), so an
/// object replaced in the middle of a read fails instead of mixing two
/// versions. Memory: three ranges (one being read, two in flight).
final class S3ObjectSource: ByteSource, @unchecked Sendable {
    // @unchecked Sendable: each pending range's result is written by its
    // fetch work item before it signals, and read only after waiting on it.
    private let client: S3Client
    private let objectKey: String
    /// Where the read ends (the object's size, or the range's end).
    private let size: Int64
    private let objectSize: Int64
    private let etag: String?
    private let rangeSize: Int
    private var nextOffset: Int64 = 0
    private var chunk: [UInt8] = []
    private var chunkOffset = 0
    /// Ranges being fetched, in order.
    private var pending: [PendingRange] = []
    private let depth: Int

    private final class PendingRange: @unchecked Sendable {
        // @unchecked Sendable: `result` is set before `done` is signalled and read after waiting on it.
        let done = DispatchSemaphore(value: 0)
        var result: Result<[UInt8], any Error>?
        func wait() -> Result<[UInt8], any Error> {
            done.wait()
            done.signal()
            return result!
        }
    }

    /// The whole object, or the byte `range` of it (each GET then asks
    /// for no more than the range holds: a read of one entry transfers
    /// only its frames).
    init(client: S3Client, objectKey: String, size: Int64, etag: String?, range: Range<Int64>? = nil) {
        self.client = client
        self.objectKey = objectKey
        self.size = range?.upperBound ?? size
        self.objectSize = size
        self.etag = etag
        self.nextOffset = range?.lowerBound ?? 0
        // 16 MiB ranges: each GET has a fixed cost (a round trip on S3; on
        // moto, reading the whole object), so fewer, larger ranges go faster.
        self.rangeSize = max(client.options.partSize, 16 << 20)
        self.depth = 2
    }

    deinit { for range in pending { _ = range.wait() } }

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
        // Keep `depth` ranges in flight ahead of the reader.
        var requested = nextOffset + Int64(pending.count) * Int64(rangeSize)
        while pending.count < depth && requested < size {
            let range = PendingRange()
            let offset = requested
            DispatchQueue.global().async { [self] in
                range.result = Result { try fetch(from: offset) }
                range.done.signal()
            }
            pending.append(range)
            requested += Int64(rangeSize)
        }
        guard !pending.isEmpty else { return nil }
        let bytes = try pending.removeFirst().wait().get()
        nextOffset += Int64(bytes.count)
        return bytes.isEmpty ? nil : bytes
    }

    private func fetch(from offset: Int64) throws -> [UInt8] {
        let last = min(size, offset + Int64(rangeSize)) - 1
        var headers = ["range": "bytes=\(offset)-\(last)"]
        if let etag { headers["if-match"] = etag }
        let response = try client.send("GET", key: objectKey, headers: headers, accept: [200, 206], expectedBodySize: Int(last - offset + 1),
                                       operation: "download of s3://\(client.location.bucket)/\(objectKey)")
        let expected = Int(last - offset + 1)
        var body = response.body
        if response.status == 200 && body.count == Int(objectSize) && (offset > 0 || last + 1 < objectSize) {
            body = Array(body[Int(offset)...Int(last)])  // a server that ignores ranges
        }
        guard body.count == expected else {
            throw S3Error(.integrity, "asked for bytes \(offset)-\(last), received \(body.count)",
                          operation: "download of s3://\(client.location.bucket)/\(objectKey)")
        }
        return body
    }
}
