import Foundation
import HTTPClient
import LifeboatConfiguration
import LifeboatCore
import Notifications

/// `doctor`'s alert checks, one per channel: the webhook answers (any HTTP
/// status means it is reachable; an error status to a GET is normal for
/// webhooks); email is configured (a mail server is only proven by a sent
/// message: not checked without `sendTest`); with `sendTest` a real TEST
/// alert goes through every channel and must be accepted.
public enum AlertCheck {
    public static func findings(_ context: DoctorContext, sendTest: Bool) -> [DoctorFinding] {
        let alerts = context.settings.daemon.alerts
        let sender = AlertSender(settings: alerts, log: { _ in })
        guard !sender.channels.isEmpty else {
            return [DoctorFinding("alerts", "channels", .warn, "no alert channel is set: failures, overdue backups and failed drills alert no one",
                                  fix: "set ALERT_WEBHOOK_URL (a Slack-compatible incoming webhook) or ALERT_SMTP_URL with ALERT_EMAIL_FROM and ALERT_EMAIL_TO; `_FILE` forms for secrets")]
        }
        if sendTest {
            let alert = Alert(type: .test, severity: "info", component: "doctor", message: "test alert from lifeboat doctor on \(ProcessInfo.processInfo.hostName)",
                              at: context.now, project: context.settings.docker.composeProject)
            return sender.test(alert).map { channel, delivery in
                DoctorFinding("alerts", "test \(channel.name)", delivery.ok ? .ok : .fail,
                              delivery.ok ? "a TEST alert went to \(channel.shownTarget) and was accepted" : "the TEST alert to \(channel.shownTarget) was not accepted: \(delivery.problem ?? "?")",
                              fix: fix(channel.name))
            }
        }
        return sender.channels.map { channel in
            guard let webhook = channel as? WebhookChannel else {
                return DoctorFinding("alerts", channel.name, .notChecked, "\(channel.shownTarget) is configured; only a sent message proves it",
                                     fix: "`lifeboat alert test` sends one through every channel")
            }
            do {
                let transfer = try HTTPTransfer()
                let response = try transfer.perform(method: "GET", url: webhook.url, headers: [], timeoutSeconds: 10)
                return DoctorFinding("alerts", "webhook", .ok, "\(channel.shownTarget) answers (HTTP \(response.status) to a GET); `lifeboat alert test` posts a real alert")
            } catch {
                return DoctorFinding("alerts", "webhook", .fail, "\(channel.shownTarget) cannot be reached: \(Redaction.hideSecretURL(webhook.url, in: "\(error)"))",
                                     fix: fix("webhook"))
            }
        }
    }

    static func fix(_ channel: String) -> String {
        channel == "webhook" ? "check ALERT_WEBHOOK_URL: the channel's incoming-webhook URL, reachable from the backup container (DNS, proxy, egress rules)"
            : "check ALERT_SMTP_URL (host and port), ALERT_SMTP_USER/ALERT_SMTP_PASSWORD, ALERT_EMAIL_FROM (a sender the server accepts) and ALERT_EMAIL_TO"
    }
}
