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
}
