import Foundation
import MongoClient
import RawBSON

/// What `doctor` and `status` ask a live MongoDB server: who we are and
/// what we may do, its topology, its version and its oplog. Read-only:
/// nothing is written to the server.
public struct MongoHealth: Sendable {
    public struct Role: Sendable, Equatable { public let role: String; public let db: String }
    public struct Oplog: Sendable {
        /// The oldest and newest entries' times (wall clock of their timestamps).
        public let first: Date
        public let last: Date
        public var span: TimeInterval { last.timeIntervalSince(first) }
        /// The collection's size and cap, when collStats answers (a full
        /// oplog's span is the window; a filling one's only grows).
        public let sizeBytes: Int64?
        public let maxBytes: Int64?
        public var fullness: Double? {
            guard let sizeBytes, let maxBytes, maxBytes > 0 else { return nil }
            return Double(sizeBytes) / Double(maxBytes)
        }
    }

    public var version: String
    /// The replica set's name; nil for a standalone server (no oplog).
    public var replicaSet: String?
    public var isWritablePrimary: Bool
    /// Whether the server enforces access control (nil: it did not say).
    public var accessControl: Bool?
    public var user: String?
    public var roles: [Role]
    /// The oplog, or why it could not be read.
    public var oplog: Result<Oplog, MongoSourceError>?
    /// Databases holding collections, and those whose collections could not be read.
    public var readableDatabases: [String]
    public var unreadableDatabases: [(db: String, message: String)]

    /// Roles that grant what a restore (and the oplog replay) needs on every database.
    public static let restoreRoles: Set<String> = ["root", "restore", "__system", "readWriteAnyDatabase"]
    /// Roles that grant reading every database and the oplog.
    public static let backupRoles: Set<String> = ["root", "backup", "__system", "readAnyDatabase", "clusterManager"]

    /// The databases a restore of `databases` could not write, judged by the
    /// roles (`readWrite`/`dbOwner` on the database, or an any-database role);
    /// nil when access control is off (everyone may write).
    public func databasesNotWritable(_ databases: [String]) -> [String]? {
        if accessControl == false || user == nil { return nil }
        if roles.contains(where: { Self.restoreRoles.contains($0.role) && $0.db == "admin" }) { return [] }
        return databases.filter { db in !roles.contains { ["readWrite", "dbOwner"].contains($0.role) && $0.db == db } }
    }

    public static func probe(uri: String) throws -> MongoHealth {
        do {
            let connection = try MongoConnection(uri: uri)
            let hello = try connection.command("admin", json: #"{"hello": 1}"#).view
            let status = try connection.command("admin", json: #"{"connectionStatus": 1, "showPrivileges": false}"#).view
            let build = try connection.command("admin", json: #"{"buildInfo": 1}"#).view
            var health = MongoHealth(version: build["version"]?.string ?? "unknown", replicaSet: hello["setName"]?.string,
                                     isWritablePrimary: hello["isWritablePrimary"]?.bool ?? hello["ismaster"]?.bool ?? false,
                                     accessControl: hello["accessControlEnabled"]?.bool, user: nil, roles: [], oplog: nil,
                                     readableDatabases: [], unreadableDatabases: [])
            if let info = status["authInfo"]?.document {
                for entry in info["authenticatedUsers"]?.document.map(Array.init) ?? [] {
                    if let user = entry.document?["user"]?.string, let db = entry.document?["db"]?.string { health.user = "\(user)@\(db)" }
                }
                for entry in info["authenticatedUserRoles"]?.document.map(Array.init) ?? [] {
                    if let role = entry.document?["role"]?.string, let db = entry.document?["db"]?.string { health.roles.append(Role(role: role, db: db)) }
                }
            }
            if health.replicaSet != nil { health.oplog = readOplog(connection) }
            // Reading is what a backup does: one document of one collection per database.
            do {
                for db in try connection.databaseNames() where !["local", "config"].contains(db) {
                    do {
                        let listing = try connection.listCollections(db)
                        var first: String?
                        while let entry = try listing.nextDocument() {
                            if let name = entry.view["name"]?.string, entry.view["type"]?.string != "view", !name.hasPrefix("system.") { first = name; break }
                        }
                        if let first { _ = try connection.find(db, first, options: #"{"limit": 1}"#).next() }
                        health.readableDatabases.append(db)
                    } catch {
                        health.unreadableDatabases.append((db, "\(MongoSourceError.from(error))"))
                    }
                }
            } catch {
                health.unreadableDatabases.append(("(listDatabases)", "\(MongoSourceError.from(error))"))
            }
            return health
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    private static func readOplog(_ connection: MongoConnection) -> Result<Oplog, MongoSourceError> {
        do {
            func edge(_ order: Int) throws -> Date? {
                let cursor = try connection.find("local", "oplog.rs", options: #"{"sort": {"$natural": \#(order)}, "limit": 1, "projection": {"ts": 1}}"#)
                guard let entry = try cursor.nextDocument(), let ts = entry.view["ts"]?.timestamp else { return nil }
                return Date(timeIntervalSince1970: TimeInterval(ts.seconds))
            }
            guard let first = try edge(1), let last = try edge(-1) else {
                return .failure(MongoSourceError("the oplog (local.oplog.rs) is empty", kind: .unsupported))
            }
            var size: Int64?
            var cap: Int64?
            if let stats = try? connection.command("local", json: #"{"collStats": "oplog.rs"}"#).view {
                func number(_ name: String) -> Int64? {
                    stats[name]?.int64 ?? stats[name]?.int32.map(Int64.init) ?? stats[name]?.double.map { Int64($0) }
                }
                size = number("size")
                cap = number("maxSize")
            }
            return .success(Oplog(first: first, last: last, sizeBytes: size, maxBytes: cap))
        } catch {
            let translated = MongoSourceError.from(error)
            return .failure(translated as? MongoSourceError ?? MongoSourceError("\(error)"))
        }
    }
}

extension MongoHealth {
    /// One round trip: the server's version, or why it does not answer.
    public static func ping(uri: String) throws -> String {
        do {
            let connection = try MongoConnection(uri: uri)
            return try connection.command("admin", json: #"{"buildInfo": 1}"#).view["version"]?.string ?? "unknown"
        } catch {
            throw MongoSourceError.from(error)
        }
    }
}
