import ErrorCategories
import ByteStreams

/// A stage that compresses what is written to it into the next sink.
/// `finish()` flushes the end of the stream; without it the output is cut.
public protocol CompressingSink: ByteSink {
    func finish() throws
    /// Ends the current frame (gzip: member) so that the next byte written
    /// begins an independent one, decodable without what came before.
    func endFrame() throws
}

/// Cuts a compressed stream into frames and tells where each begins, by
/// counting what the compressor hands on (before encryption).
public final class FrameCutter: IndependentFrames {
    private let compressor: any CompressingSink
    private let compressed: CountingSink

    /// `compressed` must be the sink `compressor` writes into.
    public init(_ compressor: any CompressingSink, counting compressed: CountingSink) {
        self.compressor = compressor
        self.compressed = compressed
    }

    public func startNewFrame() throws -> Int64 {
        try compressor.endFrame()
        return Int64(compressed.count)
    }
}

public enum Compressors {
    /// The compressing stage for `compression`, writing into `next`.
    public static func make(_ compression: Compression, into next: any ByteSink) throws -> any CompressingSink {
        switch compression.algorithm {
        case .zstd: return try ZstdCompressor(level: compression.level, threads: compression.threads, next: next)
        case .gzip: return try GzipCompressor(level: compression.level, next: next)
        case .none: return PassThroughSink(next: next)
        }
    }
}

/// `none`: bytes pass unchanged.
final class PassThroughSink: CompressingSink {
    private let next: any ByteSink
    init(next: any ByteSink) { self.next = next }
    func write(_ bytes: UnsafeRawBufferPointer) throws { try next.write(bytes) }
    func finish() throws {}
    func endFrame() throws {}
}

public struct CompressionError: Error, CustomStringConvertible, Sendable {
    public let library: String
    public let message: String
    public var description: String { "\(library): \(message)" }
}

extension CompressionError: CategorizedError {
    /// A stream zstd or zlib cannot decode (or encode): the data, not the run.
    public var category: ErrorCategory { .corruptData }
}
