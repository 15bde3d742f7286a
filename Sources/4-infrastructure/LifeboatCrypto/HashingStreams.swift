import ByteStreams

/// Hashes every byte on its way to the next sink: the stored bytes' SHA-256
/// is known the moment the upload ends, without reading the artifact again.
public final class HashingSink: ByteSink {
    private let next: any ByteSink
    private let digest: SHA256Digest
    public private(set) var count: UInt64 = 0

    public init(_ next: any ByteSink) throws {
        self.next = next
        self.digest = try SHA256Digest()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try digest.update(bytes)
        try next.write(bytes)
        count += UInt64(bytes.count)
    }

    public func finalizeHex() throws -> String { try digest.finalizeHex() }
}

/// Hashes every byte read through it, for verifying while restoring.
public final class HashingSource: ByteSource {
    private let upstream: any ByteSource
    private let digest: SHA256Digest
    public private(set) var count: UInt64 = 0

    public init(_ upstream: any ByteSource) throws {
        self.upstream = upstream
        self.digest = try SHA256Digest()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try upstream.read(into: buffer)
        if n > 0 {
            try digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            count += UInt64(n)
        }
        return n
    }

    /// Reads whatever the consumer left unread (tar's trailing padding), so
    /// the digest covers the whole stored object, then returns it.
    public func finishHex() throws -> String {
        try drain()
        return try digest.finalizeHex()
    }
}
