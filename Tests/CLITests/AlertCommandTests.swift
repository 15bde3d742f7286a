import Foundation
import Testing
import TestSupport

/// `lifeboat alert test` as an operator runs it: every channel tried, each
/// result on its line, the last line and the exit status the truth.
@Suite struct AlertCommandTests {
    @Test func everyChannelIsTriedAndEachResultSaid() throws {
        guard try Skips.require(SMTPServer.available, "aiosmtpd (scripts/test-servers.sh install)") else { return }
        let dir = TemporaryDirectory()
        let webhook = try WebhookReceiver(file: dir.sub("alerts.jsonl"))
        let mail = try SMTPServer(directory: dir.path)
        let refusing = try SMTPServer(directory: dir.path, refuse: true)
        let heartbeatURL = webhook.url.replacingOccurrences(of: "/hook", with: "/ping/5e1f")
        func env(_ smtp: SMTPServer) -> [String: String] {
            ["BACKUP_DIR": dir.sub("backup"), "ALERT_WEBHOOK_URL": webhook.url, "ALERT_SMTP_URL": "smtp://127.0.0.1:\(smtp.port)",
             "ALERT_SMTP_STARTTLS": "false", "ALERT_EMAIL_FROM": "lifeboat@example.com", "ALERT_EMAIL_TO": "ops@example.com",
             "HEARTBEAT_URL": heartbeatURL, "COMPOSE_PROJECT_NAME": "shop"]
        }

        let good = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["alert", "test"], environment: env(mail))
        #expect(good.status == 0, "\(good.output)")
        #expect(good.stdout.contains("webhook") && good.stdout.contains("email") && good.stdout.contains("not pinged"), "\(good.output)")
        #expect(good.stdout.split(separator: "\n").last?.contains("accepted by all 2 channels") == true, "\(good.output)")
        #expect(webhook.alerts.count == 1 && webhook.alerts[0].contains("\"type\":\"TEST\"") && webhook.alerts[0].contains("\"project\":\"shop\""), "\(webhook.alerts)")
        #expect((mail.messages.first?["data"] as? String)?.contains("project:   shop") == true)
        #expect(!webhook.requests.contains { $0.contains("/ping/") }, "the heartbeat was pinged unasked")

        // A refusing mail server: the others still go, the last line names it, exit 1.
        let bad = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["alert", "test", "--heartbeat"], environment: env(refusing))
        #expect(bad.status == 1, "\(bad.output)")
        #expect(bad.stdout.contains("NOT accepted") && bad.stdout.contains("550"), "\(bad.output)")
        #expect(bad.stderr.contains("1 of 3 channel(s) did not accept the TEST alert: email"), "\(bad.output)")
        #expect(webhook.alerts.filter { $0.contains("\"type\":\"TEST\"") }.count == 2 && webhook.requests.contains { $0.hasPrefix("POST /ping/5e1f ") }, "\(webhook.requests)")

        let json = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["alert", "test", "--json"], environment: env(mail))
        #expect(json.status == 0, "\(json.output)")
        #expect(try JSONSchemaCheck.problem(json.stdout, schema: "alert-test") == nil, "\(json.stdout)")

        let none = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["alert", "test"], environment: ["BACKUP_DIR": dir.sub("backup")])
        #expect(none.status == 64 && none.stderr.contains("no alert channel is configured"), "\(none.output)")
        let half = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["alert", "test"],
                                         environment: ["BACKUP_DIR": dir.sub("backup"), "ALERT_SMTP_URL": "smtp://127.0.0.1:\(mail.port)"])
        #expect(half.status == 64 && half.stderr.contains("ALERT_EMAIL_FROM") && half.stderr.contains("ALERT_EMAIL_TO"), "\(half.output)")
    }
}
