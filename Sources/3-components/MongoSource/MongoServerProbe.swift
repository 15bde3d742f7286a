import Foundation
import MongoArchive
import MongoClient
import RawBSON

/// Questions a rebuild asks a MongoDB server before and after restoring:
/// does it answer, and does it already hold data.
public enum MongoServerProbe {
    /// What is wrong with a connection string, as the client parses it
    /// (without connecting), or nil.
    public static func uriProblem(_ uri: String) -> String? {
        MongoConnection.problem(inURI: uri)
    }

    /// Waits until the server answers `ping`; throws the last error after the timeout.
    public static func waitUntilAnswering(uri: String, timeoutSeconds: Double) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            do {
                _ = try MongoConnection(uri: uri).command("admin", json: #"{"ping": 1}"#)
                return
            } catch {
                if Date() >= deadline {
                    throw MongoSourceError("MongoDB did not answer within \(Int(timeoutSeconds)) s: \(MongoSourceError.from(error))",
                                           hint: "check the container's logs; SERVICE_WAIT_SECONDS sets how long to wait", kind: .unreachable)
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    /// Collections outside admin, local and config that hold documents,
    /// with their counts (`db.collection` → documents).
    public static func userData(uri: String) throws -> [String: Int] {
        do {
            let connection = try MongoConnection(uri: uri)
            var found: [String: Int] = [:]
            for db in try connection.databaseNames() where !["admin", "local", "config"].contains(db) {
                let listing = try connection.listCollections(db)
                while let entry = try listing.nextDocument() {
                    guard let name = entry.view["name"]?.string, entry.view["type"]?.string != "view", !name.hasPrefix("system.") else { continue }
                    let reply = try connection.command(db, json: #"{"count": "\#(name.replacingOccurrences(of: "\"", with: "\\\""))"}"#).view
                    let count = reply["n"]?.int32.map(Int.init) ?? reply["n"]?.int64.map(Int.init) ?? reply["n"]?.double.map { Int($0) } ?? 0
                    if count > 0 { found["\(db).\(name)"] = count }
                }
            }
            return found
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    /// Which of `namespaces` already exist on the server: collections with
    /// their document counts (0 when empty), views as nil. One listing per
    /// database; nothing is written.
    public static func existing(uri: String, namespaces: [Namespace]) throws -> [(namespace: Namespace, documents: Int?)] {
        do {
            let connection = try MongoConnection(uri: uri)
            var found: [(Namespace, Int?)] = []
            let wanted = Dictionary(grouping: namespaces, by: \.db)
            for (db, members) in wanted.sorted(by: { $0.key < $1.key }) {
                let names = Set(members.map(\.collection))
                let listing = try connection.listCollections(db)
                while let entry = try listing.nextDocument() {
                    guard let name = entry.view["name"]?.string, names.contains(name) else { continue }
                    if entry.view["type"]?.string == "view" {
                        found.append((Namespace(db: db, collection: name), nil))
                        continue
                    }
                    let reply = try connection.command(db, json: #"{"count": \#(JSONText.quote(name))}"#).view
                    let count = reply["n"]?.int32.map(Int.init) ?? reply["n"]?.int64.map(Int.init) ?? reply["n"]?.double.map { Int($0) } ?? 0
                    found.append((Namespace(db: db, collection: name), count))
                }
            }
            return found.sorted { $0.0 < $1.0 }
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    /// Counts and content digests of the live collections named, computed
    /// as a dump would (nothing is written anywhere).
    public static func summary(uri: String, namespaces: [String]) throws -> MongoSummary {
        let selection = NamespaceSelection(include: try namespaces.map { try NamespacePattern($0.replacingOccurrences(of: "*", with: "\\*")) })
        return try MongoDumper(uri: uri, options: .init(selection: selection, toolVersion: "lifeboat check", captureOplog: false)).dump(into: NullSink())
    }

    /// Drops the named databases (a drill's throw-away copies after its check).
    public static func dropDatabases(uri: String, _ names: [String]) throws {
        do {
            let connection = try MongoConnection(uri: uri)
            for name in names where !["admin", "local", "config"].contains(name) {
                _ = try connection.command(name, json: #"{"dropDatabase": 1}"#, operation: "drop database \(name)")
            }
        } catch {
            throw MongoSourceError.from(error)
        }
    }
}
