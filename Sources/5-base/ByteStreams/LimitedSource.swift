/// The first `limit` bytes of another source (a byte range read through a
/// stream that would go on).
public final class LimitedSource: ByteSource {
    private let upstream: any ByteSource
    private var remaining: Int64

    public init(_ upstream: any ByteSource, limit: Int64) {
        self.upstream = upstream
        self.remaining = max(limit, 0)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0 else { return 0 }
        let n = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(Int64(buffer.count), remaining))]))
        remaining -= Int64(n)
        return n
    }
}

extension ByteSource {
    /// Reads and drops `count` bytes; returns how many there were (fewer at the end).
    @discardableResult
    public func skip(_ count: Int64) throws -> Int64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var skipped: Int64 = 0
        while skipped < count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(Int64(buffer.count), count - skipped))]))
            if n == 0 { break }
            skipped += Int64(n)
        }
        return skipped
    }
}
