import Foundation

/// Which server a connection string points at, without its credentials:
/// `mongodb:27017` (hosts sorted, default ports filled in), `redis:6379`.
/// A set records where each database artifact came from, so a restore can
/// tell whether it writes into the server it was taken from (the live
/// data) or elsewhere (a copy to look at).
public enum ServerIdentity {
    public static func mongo(_ uri: String) -> String? {
        let scheme: String
        if uri.hasPrefix("mongodb+srv://") { scheme = "mongodb+srv://" } else if uri.hasPrefix("mongodb://") { scheme = "mongodb://" } else { return nil }
        var authority = Substring(uri.dropFirst(scheme.count))
        if let end = authority.firstIndex(where: { $0 == "/" || $0 == "?" }) { authority = authority[..<end] }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let hosts = authority.split(separator: ",").map { host -> String in
            let text = host.lowercased()
            if scheme == "mongodb+srv://" || text.hasSuffix("]") || text.contains(":") && !text.hasPrefix("[") { return text }
            if text.hasPrefix("["), text.contains("]:") { return text }
            return text + ":27017"
        }
        guard !hosts.isEmpty, hosts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return hosts.sorted().joined(separator: ",")
    }

    public static func redis(host: String, port: Int) -> String { "\(host.lowercased()):\(port)" }
}
