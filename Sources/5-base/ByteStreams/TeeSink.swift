/// Writes everything to two sinks, in order.
public final class TeeSink: ByteSink {
    private let first: any ByteSink
    private let second: any ByteSink

    public init(_ first: any ByteSink, _ second: any ByteSink) {
        self.first = first
        self.second = second
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try first.write(bytes)
        try second.write(bytes)
    }
}
