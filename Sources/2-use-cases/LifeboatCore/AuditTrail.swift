import Foundation
import LifeboatConfiguration
import Storage

/// One line of the audit trail: an operation that read, restored, copied,
/// deleted, decrypted or thawed sets, who ran it, and how it ended.
public struct AuditRecord: Codable, Sendable, Equatable {
    /// Sortable and unique: the time, then random hex.
    public var id: String
    public var time: Date
    /// restore, verify, copy, prune, thaw, rebuild, drill.
    public var operation: String
    public var sets: [String]
    public var tiers: [String]
    public var components: [String]
    public var who: Who
    /// The command line (URL passwords hidden; secrets are never arguments).
    public var command: [String]
    /// ok or failed, the exit status, and the error's message.
    public var result: String
    public var exitStatus: Int32
    public var message: String?

    public struct Who: Codable, Sendable, Equatable {
        public var uid: UInt32
        public var user: String?
        public var host: String
        /// The container id when running in one (Docker names the hostname after it).
        public var container: String?

        public static func current() -> Who {
            let uid = getuid()
            let user = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
            let host = ProcessInfo.processInfo.hostName
            return Who(uid: uid, user: user, host: host, container: FileManager.default.fileExists(atPath: "/.dockerenv") ? host : nil)
        }
    }

    public init(operation: String, sets: [String], tiers: [String], components: [String], command: [String],
                exitStatus: Int32, message: String?, at time: Date = Date(), who: Who = .current()) {
        let stamp = AuditTrail.stampFormatter.string(from: time)
        self.id = stamp + "-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        self.time = time
        self.operation = operation
        self.sets = sets
        self.tiers = tiers
        self.components = components
        self.who = who
        self.command = command.map { Redaction.redactURLCredentials(in: $0) }
        self.result = exitStatus == 0 ? "ok" : "failed"
        self.exitStatus = exitStatus
        self.message = message
    }
}

/// The audit trail: each record appended to a daily file in the local
/// tier (`.lifeboat-audit/YYYY-MM-DD.jsonl`, one JSON line, flushed to
/// disk), and put as an object of its own in every remote tier
/// (`.lifeboat-audit/YYYY-MM-DD/ID.json`: new objects only, never an
/// overwrite, so a bucket with Object Lock keeps them), so that whoever
/// deletes sets cannot also delete the record of it. A record that could
/// not be shipped is shipped with the next one (the last two days are
/// compared with each remote's listing).
public struct AuditTrail: Sendable {
    public let settings: Settings
    public static let folder = ".lifeboat-audit"

    public init(settings: Settings) { self.settings = settings }

    static let stampFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter
    }()

    static let dayFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }()

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    var localFolder: String { settings.backupDirectory + "/" + Self.folder }

    /// Appends the record; returns what could not be done (said as
    /// warnings: the operation itself already happened).
    public func append(_ record: AuditRecord) -> [String] {
        var problems: [String] = []
        do {
            try appendLocally(record)
        } catch {
            problems.append("the audit record could not be written to \(localFolder): \(error)")
        }
        problems += ship(days: [record.time.addingTimeInterval(-86_400), record.time], extra: [record])
        return problems
    }

    private func appendLocally(_ record: AuditRecord) throws {
        try FileManager.default.createDirectory(atPath: localFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = localFolder + "/" + Self.dayFormatter.string(from: record.time) + ".jsonl"
        let line = Array(try Self.encoder().encode(record)) + [0x0A]
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        // One write of the whole line: with O_APPEND, concurrent writers
        // (the service and a one-shot command) never interleave inside it.
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        fsync(fd)
    }

    /// Puts every local record of `days` (and `extra`) that a remote tier lacks.
    private func ship(days: [Date], extra: [AuditRecord]) -> [String] {
        guard let tiers = try? Tiers(settings), !tiers.remote.isEmpty else { return [] }
        var records = Dictionary(extra.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for day in days { for record in localRecords(on: day) { records[record.id] = record } }
        var problems: [String] = []
        for tier in tiers.remote {
            do {
                var present = Set<String>()
                for day in Set(records.values.map { Self.dayFormatter.string(from: $0.time) }) {
                    for object in try tier.list(prefix: "\(Self.folder)/\(day)/") { present.insert(object.key) }
                }
                for record in records.values.sorted(by: { $0.id < $1.id }) {
                    let key = Self.key(record)
                    if present.contains(key) { continue }
                    try tier.put(key: key, bytes: Array(try Self.encoder().encode(record)) + [0x0A])
                }
            } catch {
                problems.append("the audit record is kept locally; the \(tier.name) tier did not take it (\(LifeboatError.wrap(error, doing: "shipping the audit record").message)): the next audited operation ships it")
            }
        }
        return problems
    }

    static func key(_ record: AuditRecord) -> String { "\(folder)/\(dayFormatter.string(from: record.time))/\(record.id).json" }

    private func localRecords(on day: Date) -> [AuditRecord] {
        let path = localFolder + "/" + Self.dayFormatter.string(from: day) + ".jsonl"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? Self.decoder().decode(AuditRecord.self, from: Data($0.utf8)) }
    }

    /// Every record since `since`, from the local tier and every remote one,
    /// each once, oldest first; and the tiers that could not be read.
    public func records(since: Date) -> (records: [AuditRecord], sources: [String: Int], problems: [String]) {
        var byID: [String: AuditRecord] = [:]
        var sources: [String: Int] = [:]
        var problems: [String] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: localFolder)) ?? []
        let firstDay = Self.dayFormatter.string(from: since)
        var local = 0
        for name in names.sorted() where name.hasSuffix(".jsonl") && String(name.dropLast(6)) >= firstDay {
            // Only the trail's own daily files (a stray file is not a day).
            guard let day = Self.dayFormatter.date(from: String(name.dropLast(6))) else { continue }
            for record in localRecords(on: day) where record.time >= since {
                byID[record.id] = record
                local += 1
            }
        }
        sources["local"] = local
        if let tiers = try? Tiers(settings) {
            for tier in tiers.remote {
                do {
                    var count = 0
                    for object in try tier.list(prefix: Self.folder + "/") {
                        let parts = object.key.split(separator: "/")
                        guard parts.count == 3, String(parts[1]) >= firstDay else { continue }
                        let bytes = try tier.get(key: object.key, limit: 1 << 20)
                        guard let record = try? Self.decoder().decode(AuditRecord.self, from: Data(bytes)) else {
                            problems.append("the \(tier.name) tier's \(object.key) is not an audit record (damaged, or not written by Lifeboat)")
                            continue
                        }
                        guard record.time >= since else { continue }
                        byID[record.id] = byID[record.id] ?? record
                        count += 1
                    }
                    sources[tier.name] = count
                } catch {
                    problems.append("the \(tier.name) tier's audit records could not be read: \(LifeboatError.wrap(error, doing: "reading the audit trail").message)")
                }
            }
        }
        return (byID.values.sorted { $0.id < $1.id }, sources, problems)
    }
}
