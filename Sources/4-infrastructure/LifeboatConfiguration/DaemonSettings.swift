import Foundation
import Scheduling

/// What `lifeboat serve` runs and how it reports.
public struct DaemonSettings: Sendable, Equatable {
    /// Weekly archive to Glacier (and the other tiers).
    public var archiveSchedule = try! CronExpression("0 1 * * 0")
    /// Monthly snapshot (kept by BACKUP_KEEP_MONTHLY).
    public var snapshotSchedule = try! CronExpression("0 3 1 * *")
    /// Deep verification (a test restore of the newest set).
    public var verifySchedule = try! CronExpression("0 4 * * 0")
    /// Hourly incrementals, used once incremental sets exist.
    public var incrementalSchedule = try! CronExpression("0 * * * *")
    /// Run a backup missed while the service was down, once, at start.
    public var catchUp = true
    public var shutdownGraceSeconds = 60
    /// `host:port` of the health, metrics and report server; nil when `off`.
    public var httpHost: String? = "0.0.0.0"
    public var httpPort = 8080
    /// /healthz fails when the last scheduled backup is older than this.
    public var maxAge: TimeInterval = 26 * 3600
    public var alertWebhookURL: String?
    /// The same alert (type and component) is sent at most this often.
    public var alertRepeatSeconds: TimeInterval = 3600
    /// Continuous oplog capture: an oplog slice (a MongoDB-only incremental)
    /// sealed every `oplogSliceSeconds`, so the recovery point is that close.
    public var oplogStream = false
    public var oplogSliceSeconds = 60
    public enum LogFormat: String, Sendable { case text, json }
    public var logFormat = LogFormat.text
    /// DOCTOR_SCHEDULE: `doctor` at the service's start and on this cron (nil: off).
    public var doctorSchedule: CronExpression? = try! CronExpression("30 5 * * *")

    public init() {}

    static func load(value: (String) -> String?, shown: (String) -> String?, problems: inout [ConfigProblem]) -> DaemonSettings {
        var daemon = DaemonSettings()
        func cron(_ name: String, _ keyPath: WritableKeyPath<DaemonSettings, CronExpression>) {
            guard let text = value(name) else { return }
            do { daemon[keyPath: keyPath] = try CronExpression(text) } catch let error as CronExpression.ParseError {
                problems.append(ConfigProblem(variable: name, value: text, message: error.problem))
            } catch {}
        }
        cron("BACKUP_ARCHIVE_SCHEDULE", \.archiveSchedule)
        cron("BACKUP_SNAPSHOT_SCHEDULE", \.snapshotSchedule)
        cron("VERIFY_SCHEDULE", \.verifySchedule)
        cron("BACKUP_INCREMENTAL_SCHEDULE", \.incrementalSchedule)
        if let text = value("DOCTOR_SCHEDULE") {
            if text.lowercased() == "off" { daemon.doctorSchedule = nil } else {
                do { daemon.doctorSchedule = try CronExpression(text) } catch let error as CronExpression.ParseError {
                    problems.append(ConfigProblem(variable: "DOCTOR_SCHEDULE", value: text, message: error.problem + ", or off"))
                } catch {}
            }
        }
        if let text = value("BACKUP_CATCH_UP") {
            if let parsed = LoadedConfiguration.parseBool(text) { daemon.catchUp = parsed } else {
                problems.append(ConfigProblem(variable: "BACKUP_CATCH_UP", value: text, message: "must be true or false"))
            }
        }
        if let text = value("OPLOG_STREAM") {
            if let parsed = LoadedConfiguration.parseBool(text) { daemon.oplogStream = parsed } else {
                problems.append(ConfigProblem(variable: "OPLOG_STREAM", value: text, message: "must be true or false"))
            }
        }
        if let text = value("OPLOG_SLICE_SECONDS") {
            if let seconds = Int(text), (1...3600).contains(seconds) { daemon.oplogSliceSeconds = seconds } else {
                problems.append(ConfigProblem(variable: "OPLOG_SLICE_SECONDS", value: text, message: "must be a whole number of seconds from 1 to 3600, e.g. 60"))
            }
        }
        if let text = value("SHUTDOWN_GRACE_SECONDS") {
            if let seconds = Int(text), (0...3600).contains(seconds) { daemon.shutdownGraceSeconds = seconds } else {
                problems.append(ConfigProblem(variable: "SHUTDOWN_GRACE_SECONDS", value: text, message: "must be a whole number of seconds from 0 to 3600, e.g. 60"))
            }
        }
        if let text = value("LIFEBOAT_HTTP_ADDR") {
            if text.lowercased() == "off" {
                daemon.httpHost = nil
            } else if let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) {
                let host = String(text[..<colon])
                daemon.httpHost = host.isEmpty ? "0.0.0.0" : host
                daemon.httpPort = port
            } else {
                problems.append(ConfigProblem(variable: "LIFEBOAT_HTTP_ADDR", value: text, message: "must be host:port, e.g. 0.0.0.0:8080 or :8080, or off"))
            }
        }
        for (name, keyPath) in [("BACKUP_MAX_AGE", \DaemonSettings.maxAge), ("ALERT_REPEAT_INTERVAL", \DaemonSettings.alertRepeatSeconds)] {
            guard let text = value(name) else { continue }
            if let seconds = parseDuration(text) { daemon[keyPath: keyPath] = seconds } else {
                problems.append(ConfigProblem(variable: name, value: text, message: "must be a duration such as 26h, 90m, 2d or 3600s"))
            }
        }
        if let text = value("ALERT_WEBHOOK_URL") {
            if text.hasPrefix("http://") || text.hasPrefix("https://") { daemon.alertWebhookURL = text } else {
                problems.append(ConfigProblem(variable: "ALERT_WEBHOOK_URL", value: shown("ALERT_WEBHOOK_URL"), message: "must be an http(s) URL, e.g. https://hooks.slack.com/services/…"))
            }
        }
        if let text = value("LOG_FORMAT") {
            if let format = LogFormat(rawValue: text.lowercased()) { daemon.logFormat = format } else {
                problems.append(ConfigProblem(variable: "LOG_FORMAT", value: text, message: "must be text or json"))
            }
        }
        return daemon
    }

    /// `26h`, `90m`, `2d`, `3600s` or plain seconds.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = trimmed.last, let factor = units[unit], let number = Double(trimmed.dropLast()), number > 0 { return number * factor }
        if let number = Double(trimmed), number > 0 { return number }
        return nil
    }
}
