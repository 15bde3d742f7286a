import Foundation
import HTTPClient
import LifeboatConfiguration
import LifeboatCore

/// `doctor`'s alert check: the webhook answers (any HTTP status means it
/// is reachable; an error status to a GET is normal for webhooks), and with
/// `sendTest` a real test alert is posted and must be accepted.
public enum AlertCheck {
    public static func findings(_ context: DoctorContext, sendTest: Bool) -> [DoctorFinding] {
        guard let url = context.settings.daemon.alertWebhookURL else {
            return [DoctorFinding("alerts", "webhook", .warn, "ALERT_WEBHOOK_URL is not set: failures, overdue backups and failed drills alert no one",
                                  fix: "set ALERT_WEBHOOK_URL (a Slack-compatible incoming webhook; ALERT_WEBHOOK_URL_FILE for a secret file)")]
        }
        let shown = Redaction.secretURL(url)
        if sendTest {
            let sender = AlertSender(url: url, repeatInterval: 0, log: { _ in })
            let alert = Alert(type: .test, severity: "info", component: "doctor", message: "test alert from lifeboat doctor on \(ProcessInfo.processInfo.hostName)", at: context.now)
            let delivered = sender.send(alert, attempts: 1)
            return [DoctorFinding("alerts", "test alert", delivered.ok ? .ok : .fail,
                                  delivered.ok ? "a TEST alert was posted to \(shown) and accepted" : "the TEST alert to \(shown) was not accepted: \(delivered.problem ?? "?")",
                                  fix: "check ALERT_WEBHOOK_URL: the channel's incoming-webhook URL, reachable from the backup container")]
        }
        do {
            let transfer = try HTTPTransfer()
            let response = try transfer.perform(method: "GET", url: url, headers: [], timeoutSeconds: 10)
            return [DoctorFinding("alerts", "webhook", .ok, "\(shown) answers (HTTP \(response.status) to a GET); `lifeboat doctor --send-test-alert` posts a real one")]
        } catch {
            return [DoctorFinding("alerts", "webhook", .fail, "\(shown) cannot be reached: \(Redaction.hideSecretURL(url, in: "\(error)"))",
                                  fix: "check ALERT_WEBHOOK_URL and that the backup container can reach it (DNS, proxy, egress rules)")]
        }
    }
}
