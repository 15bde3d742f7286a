/// Who is told, and how: a webhook, email, and a heartbeat that someone
/// other than the sidecar watches.
public struct AlertSettings: Sendable, Equatable {
    /// ALERT_WEBHOOK_URL: a Slack-compatible JSON POST (a secret: its token is in the URL).
    public var webhookURL: String?
    /// The same alert (type and component) is sent at most this often.
    public var repeatSeconds: Double
    public var email: EmailSettings?
    /// HEARTBEAT_URL: pinged at the start, success and failure of each scheduled backup.
    public var heartbeatURL: String?

    /// Alert emails through an SMTP server.
    public struct EmailSettings: Sendable, Equatable {
        public var url: String
        public var from: String
        public var to: [String]
        public var user: String?
        public var password: String?
        /// With smtp://, STARTTLS is required (false: plain text, for a private relay).
        public var requireStartTLS: Bool
        public var caFile: String?

        public init(url: String, from: String, to: [String], user: String?, password: String?, requireStartTLS: Bool, caFile: String?) {
            self.url = url
            self.from = from
            self.to = to
            self.user = user
            self.password = password
            self.requireStartTLS = requireStartTLS
            self.caFile = caFile
        }
    }

    /// The channels configured, by name, for messages and `alert test`.
    public var channelNames: [String] {
        (webhookURL == nil ? [] : ["webhook"]) + (email == nil ? [] : ["email"]) + (heartbeatURL == nil ? [] : ["heartbeat"])
    }

    static func load(_ values: inout ConfigurationValues) -> AlertSettings {
        AlertSettings(webhookURL: values.url("ALERT_WEBHOOK_URL"), repeatSeconds: values.duration("ALERT_REPEAT_INTERVAL")!,
                      email: loadEmail(&values), heartbeatURL: values.url("HEARTBEAT_URL"))
    }

    /// All of ALERT_SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO, or none
    /// (the others are then reported as having no effect).
    private static func loadEmail(_ values: inout ConfigurationValues) -> EmailSettings? {
        let url = values.url("ALERT_SMTP_URL")
        let from = values.text("ALERT_EMAIL_FROM")
        let to = values.list("ALERT_EMAIL_TO") ?? []
        let user = values.text("ALERT_SMTP_USER"), password = values.text("ALERT_SMTP_PASSWORD")
        let requireStartTLS = values.flag("ALERT_SMTP_STARTTLS")
        let caFile = values.path("ALERT_SMTP_CA_FILE")
        guard let url else {
            // A wrong ALERT_SMTP_URL is reported as such, not as the others' problem.
            guard values.text("ALERT_SMTP_URL") == nil else { return nil }
            for name in ["ALERT_EMAIL_FROM", "ALERT_EMAIL_TO", "ALERT_SMTP_USER", "ALERT_SMTP_PASSWORD", "ALERT_SMTP_CA_FILE"] where values.text(name) != nil {
                values.problem(name, "has no effect without ALERT_SMTP_URL; set the mail server too, or unset it")
            }
            return nil
        }
        if from == nil { values.problem("ALERT_EMAIL_FROM", "is required when ALERT_SMTP_URL is set, e.g. lifeboat@example.com") }
        if to.isEmpty { values.problem("ALERT_EMAIL_TO", "is required when ALERT_SMTP_URL is set: the recipients, comma-separated") }
        for address in [from].compactMap({ $0 }) + to where !isAddress(address) {
            values.problem(address == from ? "ALERT_EMAIL_FROM" : "ALERT_EMAIL_TO", "'\(address)' is not an email address, e.g. ops@example.com")
        }
        if (user == nil) != (password == nil) {
            values.problem(user == nil ? "ALERT_SMTP_USER" : "ALERT_SMTP_PASSWORD", "is needed with \(user == nil ? "ALERT_SMTP_PASSWORD" : "ALERT_SMTP_USER"): set both, or neither")
        }
        return EmailSettings(url: url, from: from ?? "", to: to, user: user, password: password, requireStartTLS: requireStartTLS, caFile: caFile)
    }

    /// local@domain, without spaces or angle brackets (they would break the SMTP envelope).
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: { $0.isWhitespace || "<>,;\"".contains($0) })
    }
}
