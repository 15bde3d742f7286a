/// Passes bytes through to another sink and counts them.
public final class CountingSink: ByteSink {
    private let next: any ByteSink
    public private(set) var count: UInt64 = 0

    public init(_ next: any ByteSink) { self.next = next }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try next.write(bytes)
        count += UInt64(bytes.count)
    }
}
