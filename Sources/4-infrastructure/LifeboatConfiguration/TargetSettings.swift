import Foundation

/// Key material that libraries want as a file: the file it was given in
/// (NAME_FILE, a Docker secret) or the text itself (which the tier writes
/// to a private file of its own).
public enum FileMaterial: Sendable, Equatable {
    case file(String)
    case text(String)
}

/// An SFTP target's login: key only, and the host keys it must match.
public struct SFTPSettings: Sendable, Equatable {
    public var url: String
    public var privateKey: FileMaterial
    public var passphrase: String?
    public var knownHosts: FileMaterial
}

/// One named target of TARGETS (`TARGET_<NAME>_*`): an S3-compatible
/// bucket with its own server and credentials, or a folder over SFTP.
public struct TargetSettings: Sendable, Equatable {
    public enum Place: Sendable, Equatable {
        case s3(S3Settings, storageClass: String, objectLock: String?)
        case sftp(SFTPSettings)
    }

    /// Which sets go there: each backup, or the weekly archive and monthly snapshot.
    public enum Takes: String, Sendable {
        case every, archive
    }

    public var name: String
    public var place: Place
    public var takes: Takes

    /// The tiers that have names of their own already.
    public static let reserved = ["local", "s3", "glacier"]

    /// Lowercase letters and digits, a letter first, at most 32: it
    /// becomes part of variable names (`TARGET_<NAME>_URL`), so no `_`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase, name.count <= 32 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
    }

    /// The valid, distinct names TARGETS lists (the variables of these
    /// names join the table; wrong names are reported by `load`).
    static func names(in reader: EnvironmentReader, specs: [VariableSpec]) -> [String] {
        guard let spec = specs.first(where: { $0.name == "TARGETS" }) else { return [] }
        var ignored: [ConfigProblem] = []
        let text = reader.resolve(spec, problems: &ignored).value ?? ""
        var names: [String] = []
        for item in split(text) where isValidName(item) && !reserved.contains(item) && !names.contains(item) {
            names.append(item)
        }
        return names
    }

    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map { $0.lowercased() }
    }

    static func load(_ values: inout ConfigurationValues, tuning: S3Settings) -> [TargetSettings] {
        var targets: [TargetSettings] = []
        var seen: Set<String> = []
        for item in values.list("TARGETS") ?? [] {
            let name = item.lowercased()
            guard isValidName(name) else {
                values.problem("TARGETS", "'\(item)' is not a target name: use lowercase letters and digits, a letter first (e.g. offsite, vault2)")
                continue
            }
            guard !reserved.contains(name) else {
                values.problem("TARGETS", "'\(name)' is a tier of its own already (\(reserved.joined(separator: ", "))); give the new target another name")
                continue
            }
            guard seen.insert(name).inserted else {
                values.problem("TARGETS", "lists '\(name)' more than once")
                continue
            }
            if let target = load(name, &values, tuning: tuning) { targets.append(target) }
        }
        return targets
    }

    private static func load(_ name: String, _ values: inout ConfigurationValues, tuning: S3Settings) -> TargetSettings? {
        let variable = { (template: String) in VariableSpec.targetVariable(template, name) }
        let takes = Takes(rawValue: values.choice(variable("TARGET_<NAME>_SETS")) ?? "every") ?? .every
        guard let url = values.url(variable("TARGET_<NAME>_URL")) else {
            if values.text(variable("TARGET_<NAME>_URL")) == nil {
                values.problem(variable("TARGET_<NAME>_URL"), "is required for the target '\(name)' (TARGETS): s3://bucket/prefix or sftp://user@host/folder")
            }
            return nil
        }
        let s3Only = ["ENDPOINT", "REGION", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "PATH_STYLE", "STORAGE_CLASS", "OBJECT_LOCK"]
        let sftpOnly = ["SSH_KEY", "SSH_KEY_PASSPHRASE", "KNOWN_HOSTS"]
        let kindOf = url.hasPrefix("s3://") ? "s3://" : "sftp://"
        for suffix in url.hasPrefix("s3://") ? sftpOnly : s3Only {
            let other = "TARGET_\(name.uppercased())_\(suffix)"
            if values.isGiven(other) {
                values.problem(other, "has no meaning for the \(kindOf) target '\(name)'; unset it (or give the target the other kind of URL)")
            }
        }
        if url.hasPrefix("s3://") {
            if let problem = ConfigurationValues.bucketProblem(url) {
                values.problem(variable("TARGET_<NAME>_URL"), problem)
                return nil
            }
            for part in ["TARGET_<NAME>_ACCESS_KEY_ID", "TARGET_<NAME>_SECRET_ACCESS_KEY"] where values.text(variable(part)) == nil {
                values.problem(variable(part), "is required for the s3:// target '\(name)' (or \(variable(part))_FILE)")
            }
            var s3 = tuning
            s3.bucket = String(url.dropFirst(5))
            s3.region = values.region(variable("TARGET_<NAME>_REGION")) ?? "us-east-1"
            s3.endpoint = values.url(variable("TARGET_<NAME>_ENDPOINT"))
            s3.pathStyle = values.flag(variable("TARGET_<NAME>_PATH_STYLE"))
            s3.accessKeyID = values.text(variable("TARGET_<NAME>_ACCESS_KEY_ID")) ?? ""
            s3.secretAccessKey = values.text(variable("TARGET_<NAME>_SECRET_ACCESS_KEY")) ?? ""
            s3.sessionToken = values.text(variable("TARGET_<NAME>_SESSION_TOKEN"))
            let lock = values.choice(variable("TARGET_<NAME>_OBJECT_LOCK")).flatMap { $0 == "off" ? nil : $0.uppercased() }
            return TargetSettings(name: name, place: .s3(s3, storageClass: values.choice(variable("TARGET_<NAME>_STORAGE_CLASS")) ?? "STANDARD", objectLock: lock), takes: takes)
        }
        guard let host = sftpHost(url, name: name, variable: variable("TARGET_<NAME>_URL"), &values) else { return nil }
        let keyVariable = variable("TARGET_<NAME>_SSH_KEY"), hostsVariable = variable("TARGET_<NAME>_KNOWN_HOSTS")
        var complete = true
        if let key = values.text(keyVariable) {
            if !key.contains("PRIVATE KEY-----") {
                values.report(ConfigProblem(variable: keyVariable, value: nil, message: "is not a private key (no '-----BEGIN … PRIVATE KEY-----' line); give the key file's text, e.g. as \(keyVariable)_FILE=/run/secrets/\(name)_ssh_key"))
                complete = false
            }
        } else {
            values.problem(keyVariable, "is required for the sftp:// target '\(name)': the private key to log in with, e.g. \(keyVariable)_FILE=/run/secrets/\(name)_ssh_key (SFTP targets never use passwords)")
            complete = false
        }
        if let hosts = values.text(hostsVariable) {
            if let problem = knownHostsProblem(hosts, host: host) {
                values.problem(hostsVariable, problem)
                complete = false
            }
        } else {
            values.problem(hostsVariable, "is required for the sftp:// target '\(name)': the server's known_hosts line, from `ssh-keyscan -p \(host.port) \(host.name)` checked out of band (the server is refused unless its key is there)")
            complete = false
        }
        guard complete else { return nil }
        let read = values
        let material = { (name: String) -> FileMaterial in read.file(name).map(FileMaterial.file) ?? .text(read.text(name)!) }
        return TargetSettings(name: name, place: .sftp(SFTPSettings(url: url, privateKey: material(keyVariable),
                                                                      passphrase: values.text(variable("TARGET_<NAME>_SSH_KEY_PASSPHRASE")),
                                                                      knownHosts: material(hostsVariable))), takes: takes)
    }

    /// The host and port of an sftp:// URL with a user, no password and an absolute folder.
    private static func sftpHost(_ url: String, name: String, variable: String, _ values: inout ConfigurationValues) -> (name: String, port: Int)? {
        guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty else {
            values.problem(variable, "is not a URL, e.g. sftp://backup@backup-host.example.com:22/srv/lifeboat")
            return nil
        }
        if parts.password != nil {
            values.report(ConfigProblem(variable: variable, value: nil, message: "carries a password: SFTP targets log in with a key only (TARGET_\(name.uppercased())_SSH_KEY); take the password out of the URL"))
            return nil
        }
        guard let user = parts.user, !user.isEmpty else {
            values.problem(variable, "names no user: sftp://USER@\(host)/folder")
            return nil
        }
        guard parts.path.hasPrefix("/"), !parts.path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            values.problem(variable, "names no folder, or not a plain absolute one: sftp://\(user)@\(host)/srv/lifeboat")
            return nil
        }
        return (host, parts.port ?? 22)
    }

    /// Whether known_hosts text has a usable line for the host: a line
    /// naming it (`host` or `[host]:port`), or a hashed line (`|1|…`,
    /// which only the check itself can match).
    static func knownHostsProblem(_ text: String, host: (name: String, port: Int)) -> String? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let entries = lines.map { $0.split(separator: " ").map(String.init) }.filter { $0.count >= 3 }
        guard !entries.isEmpty else {
            return "holds no known_hosts line (HOST KEYTYPE KEY); give what `ssh-keyscan -p \(host.port) \(host.name)` prints, checked out of band"
        }
        let wanted = host.port == 22 ? host.name : "[\(host.name)]:\(host.port)"
        let matches = entries.contains { entry in
            entry[0].hasPrefix("|1|") || entry[0].split(separator: ",").contains { $0 == wanted || (host.port == 22 && $0 == "[\(host.name)]:22") }
        }
        return matches ? nil : "holds no key for \(wanted) (the server in the target's URL); add its line from `ssh-keyscan -p \(host.port) \(host.name)`, checked out of band"
    }
}
