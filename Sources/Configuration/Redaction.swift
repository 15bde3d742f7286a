import Foundation

/// Hides credentials in values that are not secrets as a whole, such as a
/// connection URI: `mongodb://app:hunter2@db/` prints as `mongodb://app:***@db/`.
public enum Redaction {
    public static func redactURLCredentials(in value: String) -> String {
        guard let scheme = value.range(of: "://") else { return value }
        let rest = value[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return value }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return value }
        return String(value[..<colon]) + ":***" + String(value[at...])
    }
}
