import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One backup (or prune) at a time per backup folder: an exclusive `flock`
/// on `BACKUP_DIR/.lifeboat.lock`. The kernel drops it when the process
/// dies, even by kill -9, so a crash never leaves a stale lock. The file
/// holds who took it, for the message a second run prints.
public final class BackupLock {
    public static let fileName = ".lifeboat.lock"
    private let fd: Int32
    public let path: String

    public init(directory: String, purpose: String) throws {
        path = directory + "/" + Self.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 {
            throw LifeboatError(.ioError, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw LifeboatError(.busy, "another Lifeboat run holds \(path)" + (holder.map { ": \($0)" } ?? ""),
                                hint: "wait for it to finish; the lock is released automatically when that process ends")
        }
        let note = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName), \(purpose), since \(ISO8601DateFormatter().string(from: Date()))\n"
        ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Who holds the lock of `directory` right now, or nil when nobody does
    /// (probed with a shared try-lock, released at once; nothing is created).
    public static func holder(of directory: String) -> String? {
        let path = directory + "/" + fileName
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? "another Lifeboat run" : text
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
