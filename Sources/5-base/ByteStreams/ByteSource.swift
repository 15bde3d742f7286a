/// Something bytes are read from, in order, until it returns 0 (the end).
public protocol ByteSource: AnyObject {
    /// Fills at most `buffer.count` bytes and returns how many; 0 means the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteSource {
    /// Reads to the end, handing each chunk to `body`; returns the byte count.
    @discardableResult
    public func drain(chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void = { _ in }) throws -> UInt64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let n = try read(into: buffer)
            if n == 0 { return total }
            total += UInt64(n)
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}
