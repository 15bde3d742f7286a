import Foundation
import LifeboatConfiguration

/// ALERT_WEBHOOK_URL: the alert as JSON, POSTed (Slack-compatible `text`).
public struct WebhookChannel: AlertChannel {
    public let url: String
    public var name: String { "webhook" }
    public var shownTarget: String { Redaction.secretURL(url) }

    public init(url: String) { self.url = url }

    public func deliver(_ alert: Alert) -> Delivery {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard let body = try? Array(encoder.encode(alert)) else { return .failed("the alert could not be encoded", permanent: true) }
        return HTTPPost.send(body, to: url, contentType: "application/json", what: "the webhook", secretURLs: [url])
    }
}
