import Foundation
import HTTPClient
import LifeboatConfiguration

/// Alert emails: a plain-text message with the alert's fields, through
/// the SMTP server of ALERT_SMTP_URL.
public struct EmailChannel: AlertChannel {
    public let settings: AlertSettings.EmailSettings
    public var name: String { "email" }
    public var shownTarget: String {
        "\(settings.to.joined(separator: ", ")) via \(Redaction.redactURLCredentials(in: settings.url))"
    }

    public init(settings: AlertSettings.EmailSettings) { self.settings = settings }

    public func deliver(_ alert: Alert) -> Delivery {
        do {
            try MailTransfer().send(url: settings.url, from: settings.from, to: settings.to, message: message(alert),
                                    user: settings.user, password: settings.password,
                                    requireTLS: settings.requireStartTLS, caFile: settings.caFile, timeoutSeconds: 30)
            return .delivered
        } catch let failure as MailTransfer.Failure where failure.isTLSUnavailable {
            return .failed(failure.description + "; the server offers no STARTTLS: use smtps://, or ALERT_SMTP_STARTTLS=false for a relay on a private network", permanent: true)
        } catch let failure as MailTransfer.Failure {
            return .failed(failure.description, permanent: failure.isRefusal)
        } catch {
            return .failed("\(error)")
        }
    }

    /// RFC 5322: headers (the subject encoded when not ASCII), a blank
    /// line, then one `field: value` line per field; CRLF line ends.
    func message(_ alert: Alert) -> [UInt8] {
        let date = DateFormatter()
        date.locale = Locale(identifier: "en_US_POSIX")
        date.timeZone = TimeZone(identifier: "UTC")
        date.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let iso = ISO8601DateFormatter()
        var lines = [
            "From: Lifeboat <\(settings.from)>",
            "To: " + settings.to.map { "<\($0)>" }.joined(separator: ", "),
            "Subject: " + Self.encodedHeader(alert.subject),
            "Date: " + date.string(from: alert.timestamp),
            "Message-ID: <\(UUID().uuidString.lowercased())@\(Self.headerSafe(alert.host))>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Lifeboat-Alert: \(alert.type.rawValue)",
            "",
            alert.message,
            "",
            "type:      \(alert.type.rawValue) (\(alert.severity))",
            "host:      \(alert.host)",
            "project:   \(alert.project ?? "(not in Compose)")",
            "set:       \(alert.set ?? "-")",
            "component: \(alert.component)",
            "time:      \(iso.string(from: alert.timestamp))",
        ]
        for (key, value) in alert.details.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
            lines.append("\(key): \(value)")
        }
        lines.append("")
        lines.append("-- ")
        lines.append("Sent by Lifeboat. `lifeboat status` on \(alert.host) shows the state of every backup.")
        // Lines of at most 998 bytes (RFC 5322); a long message is wrapped.
        let body = lines.flatMap { line -> [String] in
            line.utf8.count <= 900 ? [line] : stride(from: 0, to: line.count, by: 800).map {
                String(line[line.index(line.startIndex, offsetBy: $0)..<line.index(line.startIndex, offsetBy: min($0 + 800, line.count))])
            }
        }
        return Array(body.map { $0.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ") }
            .joined(separator: "\r\n").utf8) + [0x0D, 0x0A]
    }

    /// RFC 2047 base64 when the text is not plain ASCII.
    static func encodedHeader(_ text: String) -> String {
        guard !text.allSatisfy({ $0.isASCII }) else { return text }
        return "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func headerSafe(_ host: String) -> String {
        let safe = host.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        return safe.isEmpty ? "lifeboat" : safe
    }
}
