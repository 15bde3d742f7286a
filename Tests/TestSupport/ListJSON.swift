import Foundation

/// `lifeboat list --json` (schema lifeboat.list/1): the sets, or nil when
/// the output is not that document.
public enum ListJSON {
    public static func sets(_ stdout: String) -> [[String: Any]]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any],
              object["schema"] as? String == "lifeboat.list/1" else { return nil }
        return object["sets"] as? [[String: Any]]
    }
}
