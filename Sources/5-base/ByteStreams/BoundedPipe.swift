import Foundation

/// A bounded byte queue between two threads: one side writes (a
/// `ByteSink`), the other reads (a `ByteSource`), for a library that pulls
/// its input or pushes its output from inside one blocking call (libcurl's
/// read and write callbacks) while the caller streams. Memory: `capacity`
/// bytes, whatever passes through.
///
/// The writer ends the stream with `finish()` (the reader then sees the
/// end) or `fail(_:)`; the reader gives up with `fail(_:)` too, and the
/// writer's next `write` throws that error instead of waiting for a
/// reader that is gone.
public final class BoundedPipe: ByteSink, ByteSource, @unchecked Sendable {
    // @unchecked Sendable: `storage` and every counter are read and
    // written only while holding `condition`.
    private let condition = NSCondition()
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var count = 0
    private var finished = false
    private var failure: (any Error)?

    public init(capacity: Int = 1 << 20) {
        storage = .allocate(byteCount: max(capacity, 4096), alignment: 16)
    }

    deinit { storage.deallocate() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        condition.lock()
        defer { condition.unlock() }
        while offset < bytes.count {
            while count == storage.count && failure == nil { condition.wait() }
            if let failure { throw failure }
            precondition(!finished, "write after finish")
            let end = (start + count) % storage.count
            let n = min(bytes.count - offset, storage.count - count, storage.count - end)
            (storage.baseAddress! + end).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            count += n
            offset += n
            condition.broadcast()
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !finished && failure == nil { condition.wait() }
        if let failure { throw failure }
        if count == 0 { return 0 }
        let n = min(buffer.count, count, storage.count - start)
        buffer.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: n)
        start = (start + n) % storage.count
        count -= n
        condition.broadcast()
        return n
    }

    /// The writer is done: the reader gets what is queued, then the end.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Either side gives up: the other side's next call throws `error`
    /// (the first one given wins).
    public func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }
}
