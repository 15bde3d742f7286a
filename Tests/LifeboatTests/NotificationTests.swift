import Daemon
import Foundation
import LifeboatConfiguration
import LifeboatCore
import Logging
import Notifications
import Testing
import TestSupport

/// The ways to be told, against real servers: email through aiosmtpd
/// (STARTTLS and a login; a server that refuses; one that is down), the
/// heartbeat through an HTTP receiver, and that none of it holds a backup up.
@Suite struct NotificationTests {
    static func email(_ server: SMTPServer, user: String? = nil, password: String? = nil, startTLS: Bool = false) -> AlertSettings.EmailSettings {
        AlertSettings.EmailSettings(url: "smtp://127.0.0.1:\(server.port)", from: "lifeboat@example.com", to: ["ops@example.com", "dev@example.com"],
                                    user: user, password: password, requireStartTLS: startTLS, caFile: server.caFile)
    }

    @Test func anEmailGoesOverSTARTTLSWithALoginAndNamesHostProjectAndSet() throws {
        guard try Skips.require(SMTPServer.available, "aiosmtpd (scripts/test-servers.sh install)") else { return }
        let dir = TemporaryDirectory()
        let server = try SMTPServer(directory: dir.path, login: "alerts:pässword", tls: true)
        let channel = EmailChannel(settings: Self.email(server, user: "alerts", password: "pässword", startTLS: true))
        let alert = Alert(type: .backupFailed, component: "backup", message: "uploads: /data/uploads is missing",
                          details: ["hint": "mount the uploads volume"], at: Date(), host: "backup-7f3a", project: "shop", set: "20261201T020000Z-full-ab12")
        let delivery = channel.deliver(alert)
        #expect(delivery.ok, "\(delivery)")
        let message = try #require(server.messages.first)
        #expect(message["tls"] as? Bool == true, "the login and the message went over STARTTLS")
        #expect(message["from"] as? String == "lifeboat@example.com")
        #expect(message["to"] as? [String] == ["ops@example.com", "dev@example.com"])
        let text = try #require(message["data"] as? String)
        #expect(text.contains("Subject: [lifeboat] BACKUP_FAILED on backup-7f3a (project shop): uploads: /data/uploads is missing"), "\(text)")
        for line in ["host:      backup-7f3a", "project:   shop", "set:       20261201T020000Z-full-ab12", "hint: mount the uploads volume"] {
            #expect(text.contains(line), "\(line) in \(text)")
        }

        // Without the certificate's CA the server is not trusted: nothing is sent in the clear instead.
        var untrusted = Self.email(server, user: "alerts", password: "pässword", startTLS: true)
        untrusted.caFile = nil
        #expect(!EmailChannel(settings: untrusted).deliver(alert).ok)
        #expect(server.messages.count == 1)
    }

    @Test func aRefusingServerIsTriedOnceAServerDownIsRetriedAndNeitherHoldsTheCallerUp() throws {
        guard try Skips.require(SMTPServer.available, "aiosmtpd (scripts/test-servers.sh install)") else { return }
        let dir = TemporaryDirectory()
        let refusing = try SMTPServer(directory: dir.path, refuse: true)
        let lines = LogLines()
        let refused = AlertSender(channels: [EmailChannel(settings: Self.email(refusing))], repeatInterval: 0, log: { lines.add($0) })
        let alert = Alert(type: .backupFailed, component: "backup", message: "m", at: Date())
        let result = refused.test(alert, attempts: 4)
        #expect(result.first?.delivery.ok == false && result.first?.delivery.permanent == true)
        #expect(result.first?.delivery.problem?.contains("550") == true, "\(result)")
        #expect(lines.all.count == 1, "a 550 is not retried: \(lines.all)")

        // A server that is down: `send` returns at once; the retries happen behind it.
        let downLines = LogLines()
        let down = AlertSettings.EmailSettings(url: "smtp://127.0.0.1:\(RedisProcess.freePort())", from: "lifeboat@example.com", to: ["ops@example.com"],
                                               user: nil, password: nil, requireStartTLS: false, caFile: nil)
        let webhook = try WebhookReceiver(file: dir.sub("alerts.jsonl"))
        let sender = AlertSender(channels: [EmailChannel(settings: down), WebhookChannel(url: webhook.url)], repeatInterval: 0, attempts: 3, log: { downLines.add($0) })
        let started = Date()
        #expect(sender.send(alert))
        #expect(Date().timeIntervalSince(started) < 0.5, "send waited for the delivery")
        #expect(sender.drain(timeout: 30))
        #expect(downLines.all.filter { $0.contains("email") }.count == 3, "\(downLines.all)")
        #expect(webhook.alerts.count == 1, "a dead mail server does not stop the webhook")
    }

    @Test func theHeartbeatHearsStartThenSuccessOrFailWithTheReason() throws {
        let dir = TemporaryDirectory()
        let receiver = try WebhookReceiver(file: dir.sub("hook.jsonl"))
        let base = receiver.url.replacingOccurrences(of: "/hook", with: "/ping/0f1e2d")
        try FileManager.default.createDirectory(atPath: dir.sub("uploads"), withIntermediateDirectories: true)
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a\n")
        var settings = Settings(backupDirectory: dir.sub("backup"), uploadsDirectory: dir.sub("uploads"))
        settings.daemon.alerts.heartbeatURL = base
        let daemon = BackupDaemon(settings: settings, logger: Logger(label: "test"))
        daemon.runBackup(.backup)
        #expect(daemon.heartbeat?.drain(timeout: 30) == true)
        let good = receiver.requests
        #expect(good.count == 2 && good[0].hasPrefix("POST /ping/0f1e2d/start ") && good[1].hasPrefix("POST /ping/0f1e2d "), "\(good)")
        #expect(good.last?.contains("set 20") == true, "\(good)")
        // The service's deep verification is a read of a set: it goes into the audit trail.
        daemon.runDeepVerify()
        let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        let trail = (try? String(contentsOfFile: dir.sub("backup/.lifeboat-audit/\(day).jsonl"), encoding: .utf8)) ?? ""
        #expect(trail.contains("\"operation\":\"verify\"") && trail.contains("\"serve\""), "\(trail)")

        settings.uploadsDirectory = dir.sub("gone")
        let failing = BackupDaemon(settings: settings, logger: Logger(label: "test"))
        failing.runBackup(.backup)
        #expect(failing.heartbeat?.drain(timeout: 30) == true)
        let all = receiver.requests
        #expect(all.count == 4 && all[2].hasPrefix("POST /ping/0f1e2d/start ") && all[3].hasPrefix("POST /ping/0f1e2d/fail "), "\(all)")
        #expect(all[3].contains("gone"), "the reason goes with the /fail: \(all[3])")
        #expect(Heartbeat.url("https://hc.example/ping/x?create=1", for: .failure) == "https://hc.example/ping/x/fail?create=1")
    }
}
