import ByteStreams
import LifeboatConfiguration
import Foundation
import HTTPClient

/// An alert, as the guide's AlertService sends it, with a Slack-compatible `text`.
public struct Alert: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case backupFailed = "BACKUP_FAILED", backupOverdue = "BACKUP_OVERDUE"
        case verifyFailed = "VERIFY_FAILED", pruneFailed = "PRUNE_FAILED"
        case drillFailed = "DRILL_FAILED"
        case componentMissing = "COMPONENT_MISSING", sizeAnomaly = "BACKUP_SIZE_ANOMALY"
        /// `doctor` found a FAIL (at the service's start or its daily run).
        case doctorFailed = "DOCTOR_FAILED"
        /// `doctor --send-test-alert`.
        case test = "TEST"
    }
    public var type: Kind
    public var severity: String
    public var component: String
    public var message: String
    public var details: [String: String]
    public var timestamp: Date
    public var text: String

    public init(type: Kind, severity: String = "critical", component: String, message: String, details: [String: String] = [:], at date: Date) {
        self.type = type
        self.severity = severity
        self.component = component
        self.message = message
        self.details = details
        self.timestamp = date
        self.text = "[lifeboat] \(type.rawValue) (\(component)): \(message)"
    }
}

/// Posts alerts to ALERT_WEBHOOK_URL, retried with backoff, and rate
/// limited: the same type and component at most once per interval, so a
/// stuck job does not flood the channel.
public final class AlertSender: @unchecked Sendable {
    // @unchecked Sendable: `lastSent` is guarded by `lock`; each send uses its own transfer.
    private let url: String?
    private let repeatInterval: TimeInterval
    private let lock = NSLock()
    private var lastSent: [String: Date] = [:]
    private let log: @Sendable (String) -> Void

    public init(url: String?, repeatInterval: TimeInterval, log: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.repeatInterval = repeatInterval
        self.log = log
    }

    /// Returns whether the alert was delivered (false when rate-limited, not configured or failed).
    @discardableResult
    public func send(_ alert: Alert) -> Bool {
        guard url != nil else { return false }
        let key = "\(alert.type.rawValue)/\(alert.component)"
        lock.lock()
        if let last = lastSent[key], alert.timestamp.timeIntervalSince(last) < repeatInterval {
            lock.unlock()
            log("alert \(key) not sent again: the last one went out at \(last) (ALERT_REPEAT_INTERVAL)")
            return false
        }
        lastSent[key] = alert.timestamp
        lock.unlock()

        return deliver(alert, attempts: 4).ok
    }

    /// Posts without rate limiting, `attempts` times at most; says why it failed.
    public func send(_ alert: Alert, attempts: Int) -> (ok: Bool, problem: String?) {
        deliver(alert, attempts: attempts)
    }

    private func deliver(_ alert: Alert, attempts: Int) -> (ok: Bool, problem: String?) {
        guard let url else { return (false, "ALERT_WEBHOOK_URL is not set") }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard let body = try? Array(encoder.encode(alert)) else { return (false, "the alert could not be encoded") }
        var delay = 0.5
        var problem: String?
        for attempt in 1...max(1, attempts) {
            do {
                let transfer = try HTTPTransfer()
                let response = try body.withUnsafeBytes { buffer in
                    try transfer.perform(method: "POST", url: url, headers: ["Content-Type: application/json"],
                                         body: MemorySource(buffer), bodyLength: Int64(buffer.count), timeoutSeconds: 10)
                }
                if (200..<300).contains(response.status) { return (true, nil) }
                problem = "the webhook answered HTTP \(response.status)"
                log("alert webhook answered HTTP \(response.status) (attempt \(attempt))")
                if (400..<500).contains(response.status) && response.status != 429 { return (false, problem) }
            } catch {
                // The webhook URL is a secret (its token is in the path or query).
                problem = Redaction.hideSecretURL(url, in: "\(error)")
                log("alert webhook failed (attempt \(attempt)): \(problem!)")
            }
            if attempt < attempts {
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
        }
        return (false, problem)
    }
}
