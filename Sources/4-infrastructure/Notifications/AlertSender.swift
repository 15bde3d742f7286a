import Foundation
import LifeboatConfiguration

/// Sends alerts through every configured channel, off the caller's path:
/// `send` queues and returns at once, so a mail server that is down never
/// holds a backup up. Each channel is retried with backoff on its own (a
/// failed email does not stop the webhook); the same type and component
/// goes out at most once per ALERT_REPEAT_INTERVAL, so a stuck job does not
/// flood anyone.
public final class AlertSender: @unchecked Sendable {
    // @unchecked Sendable: `lastSent` is guarded by `lock`; deliveries run
    // one at a time on `queue`; the channels are Sendable.
    public let channels: [any AlertChannel]
    private let repeatInterval: TimeInterval
    private let attempts: Int
    private let lock = NSLock()
    private var lastSent: [String: Date] = [:]
    private let queue = DeliveryQueue(label: "lifeboat-alerts")
    private let log: @Sendable (String) -> Void

    public init(channels: [any AlertChannel], repeatInterval: TimeInterval, attempts: Int = 4, log: @escaping @Sendable (String) -> Void) {
        self.channels = channels
        self.repeatInterval = repeatInterval
        self.attempts = attempts
        self.log = log
    }

    /// The channels of the configuration.
    public static func channels(_ settings: AlertSettings) -> [any AlertChannel] {
        var channels: [any AlertChannel] = []
        if let url = settings.webhookURL { channels.append(WebhookChannel(url: url)) }
        if let email = settings.email { channels.append(EmailChannel(settings: email)) }
        return channels
    }

    public convenience init(settings: AlertSettings, log: @escaping @Sendable (String) -> Void) {
        self.init(channels: Self.channels(settings), repeatInterval: settings.repeatSeconds, log: log)
    }

    /// Queues the alert for every channel; false when there is none or the
    /// same alert went out within the repeat interval.
    @discardableResult
    public func send(_ alert: Alert) -> Bool {
        guard !channels.isEmpty else { return false }
        let key = "\(alert.type.rawValue)/\(alert.component)"
        lock.lock()
        if let last = lastSent[key], alert.timestamp.timeIntervalSince(last) < repeatInterval {
            lock.unlock()
            log("alert \(key) not sent again: the last one went out at \(last) (ALERT_REPEAT_INTERVAL)")
            return false
        }
        lastSent[key] = alert.timestamp
        lock.unlock()
        queue.async { [self] in
            for channel in channels { _ = deliver(alert, through: channel, attempts: attempts) }
        }
        return true
    }

    /// Every channel once, now, with its result (`lifeboat alert test`).
    public func test(_ alert: Alert, attempts: Int = 1) -> [(channel: any AlertChannel, delivery: Delivery)] {
        channels.map { ($0, deliver(alert, through: $0, attempts: attempts)) }
    }

    /// Waits until the queued alerts are delivered or given up (at
    /// shutdown, and in tests); false when `timeout` ran out first.
    @discardableResult
    public func drain(timeout: TimeInterval) -> Bool { queue.drain(timeout: timeout) }

    private func deliver(_ alert: Alert, through channel: any AlertChannel, attempts: Int) -> Delivery {
        Delivery.retrying(attempts: attempts, { channel.deliver(alert) }) { result, attempt in
            log("alert \(alert.type.rawValue) by \(channel.name) to \(channel.shownTarget) failed (attempt \(attempt) of \(attempts)): \(result.problem ?? "?")")
        }
    }
}
