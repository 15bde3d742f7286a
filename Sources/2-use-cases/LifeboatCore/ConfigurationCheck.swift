import LifeboatConfiguration
import Foundation
import MongoSource
import RedisSource

/// What `config`, `backup` and `serve` check beyond the values' form,
/// without a network: connection strings parsed as their clients will
/// parse them, folders and files present and readable as this user,
/// BACKUP_DIR a writable folder (or one that can be made), the status
/// server's address. A backup then fails at the start, naming the
/// variable, not half way through.
public enum ConfigurationCheck {
    public static func problems(_ settings: Settings, checkFiles: Bool) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        for (name, uri) in [("MONGO_URI", settings.mongo.uri), ("VERIFY_MONGO_URI", settings.mongo.verifyURI)] {
            guard let uri, let problem = MongoServerProbe.uriProblem(uri) else { continue }
            problems.append(ConfigProblem(variable: name, value: Redaction.redactURLCredentials(in: uri),
                                          message: "\(Redaction.redactURLCredentials(in: problem)); e.g. mongodb://user:password@mongodb:27017/?authSource=admin"))
        }
        if let url = settings.redis.url {
            do { _ = try RedisEndpoint(url: url) } catch let error as RedisEndpoint.ParseError {
                problems.append(ConfigProblem(variable: "REDIS_URL", value: Redaction.redactURLCredentials(in: url), message: error.problem))
            } catch {}
        }
        if let host = settings.daemon.httpHost, let problem = addressProblem(host + ":" + String(settings.daemon.httpPort)) {
            problems.append(ConfigProblem(variable: "LIFEBOAT_HTTP_ADDR", value: host + ":" + String(settings.daemon.httpPort), message: problem))
        }
        guard checkFiles else { return problems }
        if let problem = writableFolderProblem(settings.backupDirectory) {
            problems.append(ConfigProblem(variable: "BACKUP_DIR", value: settings.backupDirectory, message: problem))
        }
        if let uploads = settings.uploadsDirectory, let problem = readableProblem(uploads, folder: true) {
            problems.append(ConfigProblem(variable: "UPLOADS_DIR", value: uploads, message: problem))
        }
        for path in settings.configPaths {
            if let problem = readableProblem(path, folder: nil) {
                problems.append(ConfigProblem(variable: "CONFIG_PATHS", value: path, message: problem))
            }
        }
        return problems
    }

    /// `host:port` with a port from 1 to 65535 and a host that is a name,
    /// an IPv4 address with octets to 255, or a bracketed IPv6 address.
    static func addressProblem(_ address: String) -> String? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port) else {
            return "must be host:port with a port from 1 to 65535, e.g. 0.0.0.0:8080 or [::]:8080 (or off)"
        }
        let host = String(address[..<colon])
        if host.hasPrefix("[") { return host.hasSuffix("]") && host.count > 2 ? nil : "an IPv6 address goes in brackets, e.g. [::]:8080" }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
            return parts.allSatisfy({ Int($0).map { $0 <= 255 } ?? false }) ? nil : "'\(host)' is not an IPv4 address (each part 0-255)"
        }
        if host.isEmpty || !host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) {
            return "'\(host)' is not a host name or address"
        }
        return nil
    }

    static func writableFolderProblem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return "is a file, not a folder; point it at the backup folder (a volume), e.g. /backup" }
            return access(path, W_OK | X_OK) == 0 ? nil : "is not writable by uid \(getuid()); give the backup volume to this user (chown) or run as its owner"
        }
        // Missing: it is made on the first backup, so its nearest existing parent must be writable.
        var parent = (path as NSString).deletingLastPathComponent
        while !parent.isEmpty && parent != "/" && !FileManager.default.fileExists(atPath: parent) { parent = (parent as NSString).deletingLastPathComponent }
        if parent.isEmpty { parent = "/" }
        return access(parent, W_OK | X_OK) == 0 ? nil : "does not exist, and \(parent) is not writable by uid \(getuid()) to make it; mount the backup volume there"
    }

    /// nil when `path` exists (a folder when `folder` is true) and this user can read it.
    static func readableProblem(_ path: String, folder: Bool?) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return "does not exist (is the volume mounted into this container?)"
        }
        if folder == true && !isDirectory.boolValue { return "is a file; give the uploads folder" }
        let mode = isDirectory.boolValue ? R_OK | X_OK : R_OK
        return access(path, mode) == 0 ? nil : "is not readable by uid \(getuid())"
    }
}
