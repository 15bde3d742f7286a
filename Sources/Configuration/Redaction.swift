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
}
