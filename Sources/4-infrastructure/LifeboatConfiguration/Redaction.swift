import Foundation

/// Hides credentials in values that are not secrets as a whole, such as a
/// connection URI: `mongodb://app:hunter2@db/` prints as `mongodb://app:***@db/`.
/// It does not rely on the URI being well formed, since a mistyped URI
/// (`mongdb//app:pw@db`) is exactly the one that ends up in an error message:
/// whatever stands between the first ':' of the user-info part and the last
/// '@' is masked.
public enum Redaction {
    public static func redactURLCredentials(in value: String) -> String {
        guard let at = value.lastIndex(of: "@") else { return value }
        var start = at
        while start > value.startIndex {
            let previous = value.index(before: start)
            if "/?#".contains(value[previous]) { break }
            start = previous
        }
        guard let colon = value[start..<at].firstIndex(of: ":") else { return value }
        return String(value[...colon]) + "***" + String(value[at...])
    }

    /// A URL that is itself a secret (a webhook: Slack's carries its token
    /// in the path, others in the query): only the scheme and host remain,
    /// `https://hooks.slack.com/…`.
    public static func secretURL(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return "<redacted URL>" }
        let rest = url[scheme.upperBound...]
        var host = rest.prefix { !"/?#".contains($0) }
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        return String(url[..<scheme.upperBound]) + host + (host.count < rest.count ? "/…" : "")
    }

    /// `text` with every occurrence of the secret URL replaced by its redacted form.
    public static func hideSecretURL(_ url: String, in text: String) -> String {
        text.replacingOccurrences(of: url, with: secretURL(url))
    }
}
