import ByteStreams
internal import CZstd
#if canImport(Glibc)
import Glibc
#endif

/// Streaming zstd with worker threads and small jobs.
///
/// zstd's default job for level 3 is 8 MiB, and its multi-threaded buffer
/// pool holds several jobs per worker: the process peaked at 92 MiB with
/// libarchive's zstd filter. Jobs of 2 MiB peak at ~55 MiB for the whole
/// process on two cores, as fast as `zstd -T0`, with output 0.05% larger
/// (1 MiB jobs: 46 MiB but 15% slower; measured with bench/files.sh).
public final class ZstdCompressor: CompressingSink {
    private let context: OpaquePointer
    private let next: any ByteSink
    private let output: UnsafeMutableRawBufferPointer

    public static let jobSize = 2 << 20
    /// More workers buy little on a backup sidecar and cost ~4 MiB each.
    public static let maxWorkers = 4

    public init(level: Int, threads: Int, next: any ByteSink) throws {
        guard let context = ZSTD_createCCtx() else { throw CompressionError(library: "zstd", message: "cannot create a compression context") }
        self.context = context
        self.next = next
        self.output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        let workers = threads > 0 ? threads : min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), Self.maxWorkers)
        try checkZstd(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level)), "level \(level)")
        // The frame carries a content checksum, so `zstd -t` alone can tell
        // a damaged artifact, without Lifeboat or its manifest.
        try checkZstd(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), "checksum flag")
        if workers > 1 {
            // A library built without threads refuses; then one thread it is.
            if ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(workers))) == 0 {
                try checkZstd(ZSTD_CCtx_setParameter(context, ZSTD_c_jobSize, Int32(Self.jobSize)), "job size")
            }
        }
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size {
            try step(&input, ZSTD_e_continue)
        }
    }

    public func finish() throws {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end) != 0 {}
    }

    /// One call into zstd; hands whatever it produced to the next sink.
    /// Returns zstd's "bytes still to flush" hint.
    @discardableResult
    private func step(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective) throws -> Int {
        var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let remaining = ZSTD_compressStream2(context, &out, &input, directive)
        try checkZstd(remaining, "compress")
        if out.pos > 0 { try next.write(UnsafeRawBufferPointer(start: output.baseAddress, count: out.pos)) }
        return remaining
    }
}

/// The one funnel for zstd's size_t results, which encode errors.
func checkZstd(_ result: Int, _ operation: String) throws {
    if ZSTD_isError(result) != 0 {
        throw CompressionError(library: "zstd", message: "\(operation): \(String(cString: ZSTD_getErrorName(result)))")
    }
}
