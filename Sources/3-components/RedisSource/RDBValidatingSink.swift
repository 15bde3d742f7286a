import ByteStreams

/// Passes an RDB through to the next sink, validating it on the way.
public final class RDBValidatingSink: ByteSink {
    private let next: any ByteSink
    private var validator = RDBValidator()

    public init(_ next: any ByteSink) { self.next = next }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        validator.update(bytes)
        try next.write(bytes)
    }

    public var count: Int64 { validator.count }
    public var keyCounts: Result<RDBKeyCounter.Counts, RDBKeyCounter.CountFailure> { validator.keyCounts }

    /// The RDB version, after checking header, trailer and CRC.
    public func finish() throws -> Int {
        do { return try validator.finish() } catch { throw RedisSourceError.from(error) }
    }
}
