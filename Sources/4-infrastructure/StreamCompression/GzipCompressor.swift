import ByteStreams
internal import CZlib

/// Streaming gzip (one member) through zlib's deflate.
public final class GzipCompressor: CompressingSink {
    private let stream: UnsafeMutablePointer<z_stream>
    private let next: any ByteSink
    private let output: UnsafeMutableRawBufferPointer

    public init(level: Int, next: any ByteSink) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.next = next
        output = .allocate(byteCount: 256 << 10, alignment: 16)
        let code = czlib_deflate_init_gzip(stream, Int32(level))
        if code != Z_OK {
            stream.deallocate()
            output.deallocate()
            throw CompressionError(library: "zlib", message: "deflateInit2 failed (\(code))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        while stream.pointee.avail_in > 0 {
            try step(Z_NO_FLUSH)
        }
    }

    public func finish() throws {
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        while try step(Z_FINISH) != Z_STREAM_END {}
    }

    @discardableResult
    private func step(_ flush: Int32) throws -> Int32 {
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let code = deflate(stream, flush)
        try checkZlib(code, stream)
        let produced = output.count - Int(stream.pointee.avail_out)
        if produced > 0 { try next.write(UnsafeRawBufferPointer(start: output.baseAddress, count: produced)) }
        return code
    }
}

/// The one funnel for zlib's return codes, with its own message.
func checkZlib(_ code: Int32, _ stream: UnsafeMutablePointer<z_stream>) throws {
    if code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR { return }
    let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(code)"
    throw CompressionError(library: "zlib", message: message)
}
