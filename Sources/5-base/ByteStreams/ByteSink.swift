/// Something bytes are written to, in order: a file, an object upload, a
/// hasher in front of either. Sinks are used from one thread at a time.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
