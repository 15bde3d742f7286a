import Foundation
import Synchronization

/// Servers that failed every attempt of a request, with why and when, for
/// every remote tier (S3, SFTP): a run does not wait for each of its
/// requests in turn on a dead server. An entry lapses after five minutes,
/// so the service's next run tries again.
public enum UnreachableServers {
    private static let failed = Mutex<[String: (reason: String, at: Date)]>([:])
    static let lapse: TimeInterval = 300

    /// Why the server failed within the last five minutes, or nil.
    public static func reason(_ server: String) -> String? {
        failed.withLock { servers in
            guard let entry = servers[server] else { return nil }
            if Date().timeIntervalSince(entry.at) > lapse {
                servers[server] = nil
                return nil
            }
            return entry.reason
        }
    }

    public static func mark(_ server: String, reason: String) {
        failed.withLock { $0[server] = (reason, Date()) }
    }

    /// Forgets every failure (a test that brings a server back).
    public static func forgetAll() { failed.withLock { $0 = [:] } }
}
