import Foundation

/// Where an SFTP target's sets live: `sftp://user@host[:port]/absolute/folder`.
/// A password in the URL is refused: SFTP targets log in with a key only.
public struct SFTPLocation: Sendable, Equatable {
    public let user: String
    public let host: String
    public let port: Int
    /// Absolute, without a trailing `/` (`/` itself for the server's root).
    public let folder: String

    public init(url text: String) throws {
        guard text.hasPrefix("sftp://"), let url = URLComponents(string: text) else {
            throw SFTPConfigurationError("'\(text)' is not an sftp:// URL, e.g. sftp://backup@backup-host.example.com:22/srv/lifeboat")
        }
        guard let user = url.user, !user.isEmpty else {
            throw SFTPConfigurationError("'\(text)' names no user: give one, e.g. sftp://backup@\(url.host ?? "host")/srv/lifeboat")
        }
        guard url.password == nil else {
            throw SFTPConfigurationError("the SFTP URL carries a password: SFTP targets log in with a key only (its _SSH_KEY variable); take the password out of the URL")
        }
        guard let host = url.host, !host.isEmpty else { throw SFTPConfigurationError("'\(text)' names no host") }
        let path = url.percentEncodedPath.removingPercentEncoding ?? url.path
        guard path.hasPrefix("/"), path.count > 1 || path == "/" else {
            throw SFTPConfigurationError("'\(text)' names no folder: give the absolute folder on the server, e.g. sftp://\(user)@\(host)/srv/lifeboat")
        }
        guard !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }), url.query == nil, url.fragment == nil else {
            throw SFTPConfigurationError("'\(text)': the folder must be a plain absolute path (no '..', '?' or '#')")
        }
        self.user = user
        self.host = host
        self.port = url.port ?? 22
        self.folder = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    public var display: String { "sftp://\(user)@\(host)\(port == 22 ? "" : ":\(port)")\(folder)" }

    /// The server-side path of a key (or of the folder itself for "").
    func path(_ key: String) -> String {
        key.isEmpty ? folder : (folder == "/" ? "/" : folder + "/") + key
    }

    /// The URL libcurl is given for a server-side path.
    func url(path: String, folder isFolder: Bool = false) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#;")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "sftp://\(hostPart):\(port)\(encoded)\(isFolder && !encoded.hasSuffix("/") ? "/" : "")"
    }

    /// A path as an argument of a file command (quoted; `"` and `\` escaped).
    static func quoted(_ path: String) -> String {
        "\"" + path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// A wrong SFTP target setting, found before any connection.
public struct SFTPConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
