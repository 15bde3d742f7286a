import LifeboatConfiguration
@testable import Daemon
import Foundation
import LifeboatCore
import Logging
import Notifications
import Scheduling
import Testing
import TestSupport
import SFTPStorage

/// The service's pieces with an injected clock: what is due when, catch-up,
/// health, metrics, the report, and alerts to a real webhook receiver.
@Suite(.serialized) struct DaemonTests {
    static func utc(_ text: String) -> Date { try! Date(text, strategy: Date.ISO8601FormatStyle()) }

    final class Clock: @unchecked Sendable {
        // @unchecked Sendable: tests set it between calls, on one thread.
        var now: Date
        init(_ now: Date) { self.now = now }
    }

    static func settings(_ dir: TemporaryDirectory, uploads: Bool = true) -> Settings {
        var settings = Settings(backupDirectory: dir.sub("backup"))
        if uploads {
            TreeBuilder.write(dir.sub("uploads/a.txt"), "hello\n")
            settings.uploadsDirectory = dir.sub("uploads")
        }
        settings.daemon.httpHost = nil
        return settings
    }

    @Test func dueSchedulesAreOrderedAndTheArchiveCoversTheDailyBackup() throws {
        var settings = Settings(backupDirectory: "/backup")
        settings.schedule = try CronExpression("0 1 * * *")
        let set = ScheduleSet(Schedule.all(settings), timeZone: TimeZone(identifier: "UTC")!)
        // 2026-11-29 is a Sunday: the archive and the daily backup are both due at 01:00.
        let (time, due) = try #require(set.next(after: Self.utc("2026-11-28T23:00:00Z")))
        #expect(time == Self.utc("2026-11-29T01:00:00Z"))
        #expect(due.map(\.kind) == [.archive, .backup])
        let (verifyTime, verify) = try #require(set.next(after: time))
        #expect(verifyTime == Self.utc("2026-11-29T04:00:00Z") && verify.map(\.kind) == [.verify])
    }

    @Test func aBackupMissedWhileDownRunsOnceAtStart() throws {
        let dir = TemporaryDirectory()
        let settings = Self.settings(dir)
        let clock = Clock(Self.utc("2026-11-27T10:00:00Z"))
        let daemon = BackupDaemon(settings: settings, logger: Logger(label: "test"), now: { clock.now })
        #expect(daemon.missedBackup(at: clock.now) == nil, "a fresh service waits for its first slot")
        daemon.store.update { $0.lastScheduledRun["backup"] = Self.utc("2026-11-25T02:00:00Z") }
        let missed = try #require(daemon.missedBackup(at: clock.now))
        #expect(missed.time == Self.utc("2026-11-27T02:00:00Z"), "only the latest missed slot, once")
        daemon.perform([missed.schedule], scheduledAt: missed.time)
        #expect(daemon.missedBackup(at: clock.now) == nil)
        #expect(daemon.store.current.lastSuccess != nil)
    }

    @Test func healthMetricsAndReportFollowTheRuns() throws {
        let dir = TemporaryDirectory()
        let settings = Self.settings(dir)
        let clock = Clock(Date())
        let daemon = BackupDaemon(settings: settings, logger: Logger(label: "test"), now: { clock.now })
        let endpoints = StatusEndpoints(settings: settings, store: daemon.store, startedAt: clock.now, now: { clock.now })
        func get(_ path: String) -> StatusResponse {
            endpoints.handle(StatusRequest(method: "GET", path: path, query: [:], headers: [:]))
        }
        #expect(get("/healthz").status == 200, "a fresh service is healthy until BACKUP_MAX_AGE has passed")

        daemon.runBackup(.backup)
        let health = get("/healthz")
        #expect(health.status == 200)
        let id = try #require(daemon.store.current.lastSuccess?.setID)
        #expect(String(decoding: health.body, as: UTF8.self).contains(id))
        let metrics = String(decoding: get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("lifeboat_sets{tier=\"local\"} 1"))
        #expect(metrics.contains("lifeboat_last_backup_bytes{component=\"files\",tier=\"local\"}"))
        #expect(metrics.contains("lifeboat_verifications_total{result=\"passed\"} 1"))
        let report = String(decoding: get("/").body, as: UTF8.self)
        #expect(report.hasPrefix("<!doctype html>") && report.contains(id) && !report.contains("<script") && !report.contains("http://"))
        let api = try JSONSerialization.jsonObject(with: Data(get("/api/backups").body)) as? [[String: Any]]
        #expect(api?.first?["id"] as? String == id)
        #expect(get("/api/backups/\(id)").status == 200)
        #expect(get("/api/backups/20200101T000000Z-full-0000").status == 404)

        // 27 hours later with no backup: unhealthy, with the reason.
        clock.now = clock.now.addingTimeInterval(27 * 3600)
        let stale = get("/healthz")
        #expect(stale.status == 503)
        #expect(String(decoding: stale.body, as: UTF8.self).contains("more than BACKUP_MAX_AGE"))
        let text = ReportPage.text(StatusReport.gather(settings: settings, state: daemon.store.current, startedAt: nil))
        #expect(text.contains("Tier local") && text.contains("BACKUP_SCHEDULE"))
    }

    /// A named target that is down: the set stays local and the run is a
    /// failed copy; once it is back, the next run's catch-up copies the
    /// earlier set there, on the audit trail, and /metrics counts the target.
    @Test func aTargetThatWasDownIsCaughtUpOnTheRecord() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("ssh-keys"), withIntermediateDirectories: true)
        guard let ssh = try SSHServer.start(in: dir.sub("ssh-keys")) else { return }
        TreeBuilder.write(dir.sub("uploads/a.txt"), "hello\n")
        var settings = try LoadedConfiguration.load(environment: [
            "BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "LIFEBOAT_HTTP_ADDR": "off",
            "TARGETS": "vault", "TARGET_VAULT_URL": ssh.url(folder: dir.sub("vault")),
            "TARGET_VAULT_SSH_KEY_FILE": ssh.clientKeyFile, "TARGET_VAULT_KNOWN_HOSTS_FILE": ssh.knownHostsFile,
        ]).validSettings()
        settings.daemon.httpHost = nil
        let clock = Clock(Date())
        let daemon = BackupDaemon(settings: settings, logger: Logger(label: "test"), now: { clock.now })
        ssh.kill()
        daemon.runBackup(.backup)
        #expect(daemon.store.current.lastSuccess == nil, "a set missing from a target is not a success")
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.sub("backup")).first { $0.hasPrefix("2") })

        SFTPTier.forgetUnreachableServers()
        try ssh.restart()
        clock.now = clock.now.addingTimeInterval(3600)
        daemon.runBackup(.backup)
        #expect(daemon.store.current.lastSuccess != nil)
        #expect(FileManager.default.fileExists(atPath: dir.sub("vault/\(first)/manifest.json")), "the earlier set was caught up")
        let day = ISO8601DateFormatter.string(from: clock.now, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let trail = (try? String(contentsOfFile: dir.sub("backup/.lifeboat-audit/\(day).jsonl"), encoding: .utf8)) ?? ""
        let copies = trail.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["operation"] as? String == "copy" }
        #expect(copies.contains { ($0["sets"] as? [String])?.contains(first) == true && ($0["tiers"] as? [String]) == ["local", "vault"] }, "\(trail)")
        let text = ReportPage.text(StatusReport.gather(settings: settings, state: daemon.store.current, startedAt: nil))
        #expect(text.contains("vault"), "\(text)")
    }

    @Test func failuresAlertTheWebhookOnceAndRetryItsErrors() throws {
        let dir = TemporaryDirectory()
        // The receiver fails the first post: the sender retries.
        let receiver = try WebhookReceiver(file: dir.sub("alerts.jsonl"), failing: 1)
        var settings = Self.settings(dir, uploads: false)
        settings.uploadsDirectory = dir.sub("missing-uploads")
        settings.daemon.alerts.webhookURL = receiver.url
        let daemon = BackupDaemon(settings: settings, logger: Logger(label: "test"))
        daemon.runBackup(.backup)
        daemon.runBackup(.backup)  // the same failure again: rate-limited
        #expect(daemon.alerts.drain(timeout: 30))
        let lines = receiver.alerts
        #expect(lines.count == 1, "\(lines)")
        let first = String(lines.first ?? "")
        let parsed = try JSONSerialization.jsonObject(with: Data(first.utf8))
        let alert = try #require(parsed as? [String: Any])
        #expect(alert["type"] as? String == "BACKUP_FAILED")
        #expect((alert["text"] as? String)?.contains("BACKUP_FAILED") == true, "Slack-compatible text")
        #expect((alert["message"] as? String)?.contains("missing-uploads") == true)
        #expect(daemon.store.current.failuresByStage["backup"] == 2)
        let endpoints = StatusEndpoints(settings: settings, store: daemon.store, startedAt: Date())
        #expect(endpoints.handle(StatusRequest(method: "GET", path: "/healthz", query: [:], headers: [:])).status == 503)
    }

    /// The service's doctor: a FAIL alerts DOCTOR_FAILED, the counts go to
    /// /metrics and the failures to /healthz's reason (health itself is the
    /// backups' to decide); DOCTOR_SCHEDULE=off turns it off.
    @Test func theServicesDoctorAlertsItsFailuresAndExportsItsCounts() throws {
        let dir = TemporaryDirectory()
        var settings = Self.settings(dir)
        settings.configPaths = [dir.sub("missing/nginx.conf")]
        let receiver = try WebhookReceiver(file: dir.sub("alerts.jsonl"))
        settings.daemon.alerts.webhookURL = receiver.url
        let daemon = BackupDaemon(settings: settings, logger: Logger(label: "test"))
        try FileManager.default.createDirectory(atPath: settings.backupDirectory, withIntermediateDirectories: true)
        daemon.runDoctor()
        #expect(daemon.alerts.drain(timeout: 30))
        let alerts = receiver.alerts.joined(separator: "\n")
        #expect(alerts.contains("\"type\":\"DOCTOR_FAILED\"") && alerts.contains("nginx.conf"), "\(alerts)")
        let run = try #require(daemon.store.current.lastDoctor)
        #expect(run.failures.count == 1 && run.failures[0].contains("config exists"), "\(run.failures)")
        let endpoints = StatusEndpoints(settings: settings, store: daemon.store, startedAt: Date())
        let metrics = String(decoding: endpoints.handle(StatusRequest(method: "GET", path: "/metrics", query: [:], headers: [:])).body, as: UTF8.self)
        #expect(metrics.contains("lifeboat_doctor_findings{status=\"FAIL\"} 1"), "\(metrics)")
        let health = String(decoding: endpoints.handle(StatusRequest(method: "GET", path: "/healthz", query: [:], headers: [:])).body, as: UTF8.self)
        #expect(health.contains("doctor at") && health.contains("1 FAIL"), "\(health)")

        let off = LoadedConfiguration.load(environment: ["BACKUP_DIR": dir.sub("b"), "DOCTOR_SCHEDULE": "off"])
        #expect(try off.validSettings().daemon.doctorSchedule == nil)
        let bad = LoadedConfiguration.load(environment: ["BACKUP_DIR": dir.sub("b"), "DOCTOR_SCHEDULE": "daily"])
        #expect(bad.problems.contains { $0.variable == "DOCTOR_SCHEDULE" })
    }

    /// DRILL_SCHEDULE adds the drill (off by default); a drill that
    /// cannot run (here: pointed at production) alerts DRILL_FAILED.
    @Test func theDrillRunsOnItsScheduleAndAlertsWhenItFails() throws {
        let dir = TemporaryDirectory()
        var settings = Self.settings(dir)
        #expect(!Schedule.all(settings).contains { $0.kind == .drill })
        settings.rebuild.drillSchedule = try CronExpression("0 5 1 * *")
        let set = ScheduleSet(Schedule.all(settings).filter { $0.kind == .drill }, timeZone: TimeZone(identifier: "UTC")!)
        #expect(set.next(after: Self.utc("2026-11-27T00:00:00Z"))?.time == Self.utc("2026-12-01T05:00:00Z"))

        let receiver = try WebhookReceiver(file: dir.sub("alerts.jsonl"))
        settings.daemon.alerts.webhookURL = receiver.url
        settings.rebuild.drillProject = "app-drill"
        settings.rebuild.drillUploadsDirectory = settings.uploadsDirectory
        let daemon = BackupDaemon(settings: settings, logger: Logger(label: "test"))
        daemon.perform(Schedule.all(settings).filter { $0.kind == .drill }, scheduledAt: Date())
        #expect(daemon.alerts.drain(timeout: 30))
        let lines = receiver.alerts
        let alert = try #require(try JSONSerialization.jsonObject(with: Data(String(lines.first ?? "{}").utf8)) as? [String: Any])
        #expect(alert["type"] as? String == "DRILL_FAILED")
        #expect((alert["message"] as? String)?.contains("DRILL_UPLOADS_DIR overlaps UPLOADS_DIR") == true, "\(alert)")
        #expect(daemon.store.current.failuresByStage["drill"] == 1)
        #expect(FileManager.default.fileExists(atPath: settings.uploadsDirectory! + "/a.txt"), "production uploads untouched")
    }

    @Test func durationsParse() {
        #expect(ConfigurationValues.parseDuration("26h") == 93_600)
        #expect(ConfigurationValues.parseDuration("90m") == 5_400)
        #expect(ConfigurationValues.parseDuration("2d") == 172_800)
        #expect(ConfigurationValues.parseDuration("3600") == 3_600)
        #expect(ConfigurationValues.parseDuration("soon") == nil)
    }
}

/// The webhook URL is a secret: a failed delivery's log line shows its
/// scheme and host only.
@Suite struct AlertSecretTests {
    @Test func aFailedDeliveryNeverLogsTheWebhookURL() {
        let lines = LogLines()
        let sender = AlertSender(channels: [WebhookChannel(url: "http://127.0.0.1:9/services/T000/SENTINELPATH?token=SENTINELQUERY")], repeatInterval: 0,
                                 log: { lines.add($0) })
        #expect(sender.send(Alert(type: .backupFailed, component: "backup", message: "m", at: Date())))
        #expect(sender.drain(timeout: 30))
        #expect(!lines.all.isEmpty)
        for line in lines.all {
            #expect(!line.contains("SENTINEL"), "\(line)")
        }
        #expect(lines.all.contains { $0.contains("http://127.0.0.1:9/…") }, "\(lines.all)")
    }
}

final class LogLines: @unchecked Sendable {
    // @unchecked Sendable: `lines` is guarded by `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
