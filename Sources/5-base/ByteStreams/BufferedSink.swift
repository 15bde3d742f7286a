/// Gathers small writes into one buffer of `capacity` bytes before passing
/// them on, so a stream of small records (a files index: one per entry)
/// costs a write per buffer, not per record. `flush()` before the sink
/// underneath is finished; what is not flushed never reaches it.
public final class BufferedSink: ByteSink {
    private let next: any ByteSink
    private let storage: UnsafeMutableRawBufferPointer
    private var used = 0

    public init(_ next: any ByteSink, capacity: Int = 64 << 10) {
        self.next = next
        storage = .allocate(byteCount: max(capacity, 1), alignment: 16)
    }

    deinit { storage.deallocate() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if used + bytes.count > storage.count { try flush() }
        if bytes.count >= storage.count {
            try next.write(bytes)
            return
        }
        UnsafeMutableRawBufferPointer(rebasing: storage[used...]).copyMemory(from: bytes)
        used += bytes.count
    }

    public func flush() throws {
        guard used > 0 else { return }
        let pending = used
        used = 0
        try next.write(UnsafeRawBufferPointer(rebasing: storage[0..<pending]))
    }
}
