import Foundation

/// Hands bytes to the next sink on a thread of its own, through a bounded
/// queue of buffers, so the producer (reading files, compressing) never
/// waits for the consumer (hashing, writing to disk or the network) unless
/// the queue is full. Memory: at most `depth` buffers of `bufferSize`.
///
/// The producer must call `close()` (which waits until everything written
/// has reached the next sink and rethrows its first error); an error in the
/// consumer surfaces on the producer's next `write`.
public final class ThreadedSink: ByteSink, @unchecked Sendable {
    // @unchecked Sendable: every mutable field is read and written only
    // while holding `condition`; `next` is used only by the consumer thread
    // (and by nobody after `close` returns).
    private let next: any ByteSink
    private let condition = NSCondition()
    private var queue: [UnsafeMutableRawBufferPointer] = []
    private var queuedLengths: [Int] = []
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var current: UnsafeMutableRawBufferPointer?
    private var currentLength = 0
    private var finished = false
    private var consumerDone = false
    private var failure: (any Error)?
    private let bufferSize: Int

    public init(_ next: any ByteSink, bufferSize: Int = 256 << 10, depth: Int = 8) {
        self.next = next
        self.bufferSize = bufferSize
        for _ in 0..<depth { free.append(.allocate(byteCount: bufferSize, alignment: 16)) }
        let thread = Thread { [self] in consume() }
        thread.name = "lifeboat-sink"
        thread.start()
    }

    deinit {
        for buffer in free + queue { buffer.deallocate() }
        current?.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            if current == nil { current = try takeFreeBuffer() }
            let n = min(bufferSize - currentLength, bytes.count - offset)
            (current! .baseAddress! + currentLength).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            currentLength += n
            offset += n
            if currentLength == bufferSize { try enqueueCurrent() }
        }
    }

    /// Flushes, waits for the consumer to finish, and rethrows its error.
    public func close() throws {
        if current != nil && currentLength > 0 { try enqueueCurrent() }
        condition.lock()
        finished = true
        condition.broadcast()
        while !consumerDone { condition.wait() }
        let error = failure
        condition.unlock()
        if let error { throw error }
    }

    /// Stops the consumer without waiting for queued bytes (after a failure
    /// elsewhere); what was queued is dropped.
    public func cancel() {
        condition.lock()
        failure = failure ?? CancellationError()
        finished = true
        condition.broadcast()
        while !consumerDone { condition.wait() }
        condition.unlock()
    }

    private func takeFreeBuffer() throws -> UnsafeMutableRawBufferPointer {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        return free.removeLast()
    }

    private func enqueueCurrent() throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        queue.append(current!)
        queuedLengths.append(currentLength)
        current = nil
        currentLength = 0
        condition.broadcast()
    }

    private func consume() {
        while true {
            condition.lock()
            while queue.isEmpty && !finished { condition.wait() }
            if queue.isEmpty || failure != nil {
                consumerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let buffer = queue.removeFirst()
            let length = queuedLengths.removeFirst()
            condition.unlock()

            var error: (any Error)?
            do {
                try next.write(UnsafeRawBufferPointer(start: buffer.baseAddress, count: length))
            } catch let caught {
                error = caught
            }
            condition.lock()
            free.append(buffer)
            if let error, failure == nil { failure = error }
            condition.broadcast()
            condition.unlock()
        }
    }
}
