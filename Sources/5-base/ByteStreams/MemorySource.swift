/// Reads a buffer the caller keeps alive for as long as the source is read
/// (a request body, sent again on a retry by making a new source).
public final class MemorySource: ByteSource {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 { buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}
