import ByteStreams
internal import CZlib
internal import CZstd

public enum Decompressors {
    /// A source yielding the decompressed bytes of `upstream`.
    public static func make(_ algorithm: CompressionAlgorithm, from upstream: any ByteSource) throws -> any ByteSource {
        switch algorithm {
        case .zstd: return try ZstdDecompressingSource(upstream)
        case .gzip: return try GzipDecompressingSource(upstream)
        case .none: return upstream
        }
    }
}

/// Streaming zstd decompression; a stream that ends inside a frame is an error.
public final class ZstdDecompressingSource: ByteSource {
    private let context: OpaquePointer
    private let upstream: any ByteSource
    private let input: UnsafeMutableRawBufferPointer
    private var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    private var upstreamEnded = false
    private var frameOpen = false

    public init(_ upstream: any ByteSource) throws {
        guard let context = ZSTD_createDCtx() else { throw CompressionError(library: "zstd", message: "cannot create a decompression context") }
        self.context = context
        self.upstream = upstream
        input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inBuffer.pos == inBuffer.size && !upstreamEnded {
                let n = try upstream.read(into: input)
                if n == 0 { upstreamEnded = true }
                inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: n, pos: 0)
            }
            if upstreamEnded && inBuffer.pos == inBuffer.size && !frameOpen { return 0 }
            var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let hint = ZSTD_decompressStream(context, &out, &inBuffer)
            try checkZstd(hint, "decompress")
            frameOpen = hint != 0
            if out.pos > 0 { return out.pos }
            if upstreamEnded && inBuffer.pos == inBuffer.size {
                if frameOpen { throw CompressionError(library: "zstd", message: "the stream ends inside a frame (truncated)") }
                return 0
            }
        }
    }
}

/// Streaming gzip decompression (several members allowed, as gzip(1) does).
public final class GzipDecompressingSource: ByteSource {
    private let stream: UnsafeMutablePointer<z_stream>
    private let upstream: any ByteSource
    private let input: UnsafeMutableRawBufferPointer
    private var upstreamEnded = false
    private var memberOpen = false

    public init(_ upstream: any ByteSource) throws {
        self.upstream = upstream
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: 256 << 10, alignment: 16)
        let code = czlib_inflate_init_gzip(stream)
        if code != Z_OK {
            stream.deallocate()
            input.deallocate()
            throw CompressionError(library: "zlib", message: "inflateInit2 failed (\(code))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if stream.pointee.avail_in == 0 && !upstreamEnded {
                let n = try upstream.read(into: input)
                if n == 0 { upstreamEnded = true }
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(n)
            }
            if stream.pointee.avail_in == 0 && upstreamEnded {
                if memberOpen { throw CompressionError(library: "zlib", message: "the gzip stream ends inside a member (truncated)") }
                return 0
            }
            stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(buffer.count)
            let code = inflate(stream, Z_NO_FLUSH)
            if code == Z_STREAM_END {
                memberOpen = false
                inflateReset(stream)
            } else {
                try checkZlib(code, stream)
                memberOpen = true
            }
            let produced = buffer.count - Int(stream.pointee.avail_out)
            if produced > 0 { return produced }
        }
    }
}
