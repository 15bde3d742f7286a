import Foundation
import LifeboatConfiguration
import Synchronization

/// Key material a library wants as a file (libcurl's SSH key and
/// known_hosts) but that was given as text: written once per process to a
/// folder only this user can read, and removed at exit. Material given as
/// NAME_FILE is used where it is.
enum PrivateFiles {
    private static let written = Mutex<[String: String]>([:])
    private static let folder: String = {
        let path = NSTemporaryDirectory() + "lifeboat-\(getuid())-\(getpid())"
        mkdir(path, 0o700)
        atexit { try? FileManager.default.removeItem(atPath: PrivateFiles.folder) }
        return path
    }()

    static func path(_ material: FileMaterial, name: String) throws -> String {
        switch material {
        case .file(let path): return path
        case .text(let text):
            return try written.withLock { files in
                if let path = files[name] { return path }
                let path = folder + "/" + name
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw LifeboatError(.ioError, "cannot write \(path): \(String(cString: strerror(errno)))") }
                defer { close(fd) }
                let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
                guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                    throw LifeboatError(.ioError, "cannot write \(path): \(String(cString: strerror(errno)))")
                }
                files[name] = path
                return path
            }
        }
    }
}
