import Foundation

/// One way of telling someone: a webhook, an email. Delivery is blocking
/// and tried once; the sender retries and runs it off the backup's path.
public protocol AlertChannel: Sendable {
    /// `webhook`, `email`.
    var name: String { get }
    /// Where it goes, as it may be shown (no token, no password).
    var shownTarget: String { get }
    func deliver(_ alert: Alert) -> Delivery
}

/// The outcome of one attempt.
public struct Delivery: Sendable, Equatable {
    public var ok: Bool
    /// Why not, when not (secrets removed).
    public var problem: String?
    /// A refusal another attempt would meet too (HTTP 4xx, SMTP 5xx).
    public var permanent: Bool

    public static let delivered = Delivery(ok: true, problem: nil, permanent: false)
    public static func failed(_ problem: String, permanent: Bool = false) -> Delivery { Delivery(ok: false, problem: problem, permanent: permanent) }

    /// `attempt` up to `attempts` times, with a doubling pause between
    /// tries, until it is delivered or refused for good; each failure is
    /// passed to `failed` (for the log) with its attempt number.
    static func retrying(attempts: Int, _ attempt: () -> Delivery, failed: (Delivery, Int) -> Void) -> Delivery {
        var delay = 0.5
        var result = Delivery.failed("not tried")
        for number in 1...max(1, attempts) {
            result = attempt()
            if result.ok { return result }
            failed(result, number)
            if result.permanent { return result }
            if number < attempts {
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
        }
        return result
    }
}
