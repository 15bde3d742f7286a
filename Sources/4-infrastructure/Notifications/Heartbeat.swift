import Foundation
import LifeboatConfiguration

/// HEARTBEAT_URL, a dead man's switch: `URL/start` when a scheduled backup
/// starts, `URL` when it succeeds, `URL/fail` when it fails (with a line
/// saying why as the body), the convention of healthchecks.io. The watcher
/// alerts when the pings stop or a `/fail` comes, so a sidecar that died is
/// noticed by someone who is not the sidecar. Pings are sent off the
/// backup's path, a few attempts each, and never fail it.
public final class Heartbeat: Sendable {
    public enum Event: String, Sendable { case start, success, failure }
    public let url: String
    private let queue = DeliveryQueue(label: "lifeboat-heartbeat")
    private let log: @Sendable (String) -> Void

    public init(url: String, log: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.log = log
    }

    /// The URL for an event: the suffix goes before any query string.
    public static func url(_ base: String, for event: Event) -> String {
        let suffix = [Event.start: "/start", .success: "", .failure: "/fail"][event]!
        guard !suffix.isEmpty else { return base }
        var head = base, query = ""
        if let mark = base.firstIndex(of: "?") { head = String(base[..<mark]); query = String(base[mark...]) }
        while head.hasSuffix("/") { head.removeLast() }
        return head + suffix + query
    }

    /// Queues a ping; returns at once.
    public func ping(_ event: Event, message: String = "") {
        queue.async { [self] in _ = send(event, message: message, attempts: 3) }
    }

    /// One ping now, with its outcome (`lifeboat alert test`).
    public func send(_ event: Event, message: String, attempts: Int) -> Delivery {
        let target = Self.url(url, for: event)
        let body = Array(message.utf8.prefix(10_000))
        return Delivery.retrying(attempts: attempts, {
            HTTPPost.send(body, to: target, contentType: "text/plain; charset=utf-8", what: "the heartbeat URL", secretURLs: [target, url])
        }) { result, attempt in
            log("heartbeat \(event.rawValue) to \(Redaction.secretURL(url)) failed (attempt \(attempt) of \(attempts)): \(result.problem ?? "?")")
        }
    }

    /// Waits for queued pings (at shutdown, and in tests).
    @discardableResult
    public func drain(timeout: TimeInterval) -> Bool { queue.drain(timeout: timeout) }
}
