import ByteStreams
import Foundation
internal import CDeflate
internal import CZstd

/// Compresses a stream as independent frames of `frameSize` raw bytes
/// (zstd frames with their content checksum, or gzip members), several
/// at once on worker threads, as pigz does; the frames are written in
/// order, so the output is one standard stream (`zstd -d`, `gzip -d` and
/// tar read it whole). Because every frame decodes alone, a reader that
/// knows where a frame begins can start there: `position` tells the
/// frame and offset of the next byte written, `finishFrames()` each
/// frame's compressed offset.
///
/// Buffers and compression contexts are reused (a fresh 2 MiB buffer is
/// fresh pages to fault in, a fresh zstd context megabytes to set up):
/// memory is one frame being filled and, per worker, an input, an output
/// and a context, about 5 MiB a worker.
public final class ParallelFrameCompressor: CompressingSink, IndependentFrames {
    /// 2 MiB, zstd's job size here: reading one file back reads at most
    /// this much before it and after it.
    public static let frameSize = 2 << 20

    private let next: any ByteSink
    private let codec: FrameCodec
    private let workers: Int
    private var filling: FrameBuffer
    private var pending: [FrameJob] = []
    private var spare: [FrameJob] = []
    private var framesStarted: Int64 = 0
    private var written: Int64 = 0
    private var offsets: [Int64] = []
    private var finished = false

    public init(_ compression: Compression, into next: any ByteSink) throws {
        self.next = next
        switch compression.algorithm {
        case .zstd: codec = .zstd(level: compression.level)
        case .gzip: codec = .gzip(level: compression.level)
        case .none: codec = .none
        }
        workers = compression.threads > 0 ? compression.threads : max(1, min(ProcessInfo.processInfo.activeProcessorCount, ZstdCompressor.maxWorkers))
        filling = FrameBuffer(capacity: Self.frameSize)
    }

    deinit {
        // A compressor dropped after an error: wait for the workers, so none outlives its buffers.
        for job in pending { _ = job.wait() }
    }

    public var position: (frame: Int64, offsetInFrame: Int64) { (framesStarted, Int64(filling.count)) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        while !rest.isEmpty {
            let take = min(rest.count, Self.frameSize - filling.count)
            filling.append(UnsafeRawBufferPointer(rebasing: rest[..<take]))
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            if filling.count == Self.frameSize { try submit() }
        }
    }

    public func finishFrames() throws -> [Int64] {
        if !finished {
            try submit()
            while !pending.isEmpty { try writeOldest() }
            finished = true
        }
        return offsets
    }

    public func finish() throws { _ = try finishFrames() }

    private func submit() throws {
        guard filling.count > 0 else { return }
        let job = try spare.popLast() ?? FrameJob(codec: codec, frameSize: Self.frameSize)
        swap(&filling, &job.input)
        filling.count = 0
        framesStarted += 1
        pending.append(job)
        DispatchQueue.global().async { job.run() }
        // At most `workers` frames in flight: the oldest is written (in order) first.
        while pending.count > workers { try writeOldest() }
    }

    private func writeOldest() throws {
        let job = pending.removeFirst()
        try job.wait().get()
        offsets.append(written)
        try next.write(job.output.bytes)
        written += Int64(job.output.count)
        spare.append(job)
    }
}

/// A reusable byte buffer.
final class FrameBuffer {
    let storage: UnsafeMutableRawBufferPointer
    var count = 0
    init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 64) }
    deinit { storage.deallocate() }
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }
    func append(_ more: UnsafeRawBufferPointer) {
        UnsafeMutableRawBufferPointer(rebasing: storage[count..<(count + more.count)]).copyMemory(from: more)
        count += more.count
    }
}

enum FrameCodec: Sendable {
    case zstd(level: Int)
    case gzip(level: Int)
    case none
}

/// One frame on its way through a worker, with its buffers and its
/// compression context, reused for the next frame once written.
final class FrameJob: @unchecked Sendable {
    // @unchecked Sendable: the producer touches `input`, `output` and the
    // context only while the job is not running (before `run` is
    // dispatched, after `wait` returns); the worker only in `run`, and it
    // sets `result` before signalling `done`.
    var input: FrameBuffer
    let output: FrameBuffer
    private let codec: FrameCodec
    private let zstd: OpaquePointer?
    /// gzip members come from libdeflate (whole buffers, about twice
    /// zlib's speed at the same level and ratio).
    private let gzip: OpaquePointer?
    private var done = DispatchSemaphore(value: 0)
    private var result: Result<Void, any Error> = .success(())

    init(codec: FrameCodec, frameSize: Int) throws {
        self.codec = codec
        input = FrameBuffer(capacity: frameSize)
        switch codec {
        case .none:
            output = FrameBuffer(capacity: frameSize)
            zstd = nil
            gzip = nil
        case .zstd(let level):
            guard let context = ZSTD_createCCtx() else { throw CompressionError(library: "zstd", message: "cannot create a compression context") }
            zstd = context
            gzip = nil
            output = FrameBuffer(capacity: ZSTD_compressBound(frameSize))
            try checkZstd(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level)), "level \(level)")
            try checkZstd(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), "checksum flag")
        case .gzip(let level):
            guard let compressor = libdeflate_alloc_compressor(Int32(level)) else {
                throw CompressionError(library: "libdeflate", message: "cannot create a compressor at level \(level)")
            }
            gzip = compressor
            zstd = nil
            output = FrameBuffer(capacity: libdeflate_gzip_compress_bound(compressor, frameSize))
        }
    }

    deinit {
        if let zstd { ZSTD_freeCCtx(zstd) }
        if let gzip { libdeflate_free_compressor(gzip) }
    }

    func run() {
        result = Result { try compress() }
        done.signal()
    }

    func wait() -> Result<Void, any Error> {
        done.wait()
        done = DispatchSemaphore(value: 0)
        return result
    }

    private func compress() throws {
        switch codec {
        case .none:
            output.count = 0
            output.append(input.bytes)
        case .zstd:
            let size = ZSTD_compress2(zstd, output.storage.baseAddress, output.storage.count, input.storage.baseAddress, input.count)
            try checkZstd(size, "compress")
            output.count = size
        case .gzip:
            let size = libdeflate_gzip_compress(gzip, input.storage.baseAddress, input.count, output.storage.baseAddress, output.storage.count)
            // 0 only when the output does not fit, which the bound rules out.
            guard size > 0 else { throw CompressionError(library: "libdeflate", message: "a member did not fit its bound") }
            output.count = size
        }
    }
}
