import ErrorCategories
import MongoArchive
import MongoClient
import RawBSON

/// What the manifest records about a MongoDB artifact.
public struct MongoSummary: Codable, Sendable, Equatable {
    public var serverVersion: String
    /// The replica set name, when the server is a member of one.
    public var replicaSet: String?
    public var namespaces: [NamespaceSummary]
    /// The oplog window captured during the dump (replica sets only).
    public var oplog: OplogWindow?

    public struct NamespaceSummary: Codable, Sendable, Equatable {
        public var namespace: String
        /// `collection`, `view` or `timeseries`.
        public var type: String
        public var documents: Int
        public var indexes: Int
        /// Raw BSON bytes of the documents.
        public var bytes: Int64
        /// Order-independent content digest (see docs/format.md).
        public var digest: String
    }

    public struct OplogWindow: Codable, Sendable, Equatable {
        /// The newest oplog entry before the dump started: replay starts after it.
        public var start: BSONTimestamp
        /// The newest entry captured: the data is consistent as of this point.
        public var end: BSONTimestamp
        public var entries: Int
    }

    public var documentCount: Int { namespaces.reduce(0) { $0 + $1.documents } }
}

public struct MongoSourceError: Error, CustomStringConvertible, Sendable {
    /// `gap`: the oplog no longer reaches back to where an incremental must
    /// start; `unsupported`: the server cannot do what was asked (no oplog).
    public enum Kind: Sendable { case invalidURI, authentication, unreachable, server, data, gap, unsupported }
    public let kind: Kind
    public let message: String
    public let hint: String?

    public init(_ message: String, hint: String? = nil, kind: Kind = .server) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { message }

    /// Translates libmongoc's errors into what a user can act on.
    static func from(_ error: any Error) -> any Error {
        guard let error = error as? MongoError else { return error }
        if error.operation == "parse MONGO_URI" || error.operation == "create MongoDB client"
            || error.message.contains("authentication mechanism") {
            return MongoSourceError("MONGO_URI is not a valid connection string: \(error.message)", hint: "it looks like mongodb://user:password@host:27017/?authSource=admin", kind: .invalidURI)
        }
        if error.isAuthenticationFailure {
            return MongoSourceError("MongoDB refused the credentials in MONGO_URI: \(error.message)", hint: "check the user name, the password and authSource", kind: .authentication)
        }
        if error.isUnreachable {
            return MongoSourceError("cannot reach MongoDB: \(error.message)", hint: "check MONGO_URI's host and port, and that the server is running", kind: .unreachable)
        }
        return MongoSourceError("MongoDB: \(error)", kind: .server)
    }
}

extension MongoSourceError: CategorizedError {
    public var category: ErrorCategory {
        switch kind {
        case .invalidURI: return .usage
        case .data: return .corruptData
        case .authentication, .unreachable, .server, .gap, .unsupported: return .failure
        }
    }
    public var recoveryHint: String? { hint }
}
