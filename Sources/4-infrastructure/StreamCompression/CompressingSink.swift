import ErrorCategories
import ByteStreams

/// A stage that compresses what is written to it into the next sink.
/// `finish()` flushes the end of the stream; without it the output is cut.
public protocol CompressingSink: ByteSink {
    func finish() throws
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
