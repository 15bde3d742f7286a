import Foundation

/// Root reads every file, so a test of unreadable files runs the binary as
/// `nobody` (setpriv) when it runs as root, as the service's user would
/// be: the folder is opened to others and `writable` given to nobody.
public enum Unprivileged {
    /// The command prefix (empty when not root).
    public static func prefix(opening folder: String, writable: String) throws -> [String] {
        guard geteuid() == 0 else { return [] }
        guard try Skips.require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv (util-linux)") else { return [] }
        chmod(folder, 0o755)
        chown(writable, 65534, 65534)
        return ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    }
}
