#if canImport(Glibc)
import ErrorCategories
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX error with the call and path that failed, so a message can say
/// "No space left on device writing /backup/…" instead of a bare errno.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let path: String
    public let errno: Int32

    public init(_ call: String, path: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "\(call) \(path): \(String(cString: strerror(errno)))"
    }

    public var isNoSpace: Bool { errno == ENOSPC || errno == EDQUOT }
}

/// Reads a file descriptor, retrying interrupted reads.
public final class FileDescriptorSource: ByteSource {
    public let fd: Int32
    private let path: String
    private let ownsDescriptor: Bool

    public init(fd: Int32, path: String, ownsDescriptor: Bool) {
        self.fd = fd
        self.path = path
        self.ownsDescriptor = ownsDescriptor
    }

    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemCallError("open", path: path) }
        self.init(fd: fd, path: path, ownsDescriptor: true)
    }

    deinit { if ownsDescriptor { close(fd) } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemCallError("read", path: path)
        }
    }
}

/// Writes all bytes to a file descriptor, retrying short and interrupted writes.
public final class FileDescriptorSink: ByteSink {
    public let fd: Int32
    private let path: String

    public init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write", path: path)
            }
            offset += n
        }
    }
}

extension SystemCallError: CategorizedError {
    public var category: ErrorCategory { .localIO }
}
