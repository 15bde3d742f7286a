#if canImport(Glibc)
import Glibc
#endif

/// A temporary file, unlinked when released, for data that must pass
/// through the disk rather than memory (a tar for the Docker archive API).
public final class ScratchFile {
    public let path: String
    public let fd: Int32

    public init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemCallError("create", path: path) }
        self.path = path
        self.fd = fd
    }

    deinit {
        close(fd)
        unlink(path)
    }

    public var sink: FileDescriptorSink { FileDescriptorSink(fd: fd, path: path) }

    /// Reads the file from its start.
    public func source() -> FileDescriptorSource {
        lseek(fd, 0, SEEK_SET)
        return FileDescriptorSource(fd: fd, path: path, ownsDescriptor: false)
    }
}
