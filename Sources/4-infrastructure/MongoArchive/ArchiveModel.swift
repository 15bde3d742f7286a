import ErrorCategories
import RawBSON
/// A database and collection, written `db.collection`.
public struct Namespace: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var db: String
    public var collection: String

    public init(db: String, collection: String) {
        self.db = db
        self.collection = collection
    }

    /// Parses `db.collection` (the collection part may itself contain dots).
    public init?(_ text: String) {
        guard let dot = text.firstIndex(of: ".") else { return nil }
        db = String(text[..<dot])
        collection = String(text[text.index(after: dot)...])
        if db.isEmpty || collection.isEmpty { return nil }
    }

    public var description: String { db + "." + collection }
    public static func < (a: Namespace, b: Namespace) -> Bool { a.description < b.description }

    /// The oplog's pseudo-namespace in an archive (`db: ""`, `collection: "oplog"`).
    public static let oplog = Namespace(db: "", collection: "oplog")
    public var isOplog: Bool { self == .oplog }
}

/// The archive's header document.
public struct ArchiveHeader: Sendable, Equatable {
    public var concurrentCollections: Int32
    public var version: String
    public var serverVersion: String
    public var toolVersion: String

    public init(concurrentCollections: Int32 = 4, version: String = "0.1", serverVersion: String, toolVersion: String) {
        self.concurrentCollections = concurrentCollections
        self.version = version
        self.serverVersion = serverVersion
        self.toolVersion = toolVersion
    }
}

/// One collection's entry in the prelude: `metadata` is the same canonical
/// Extended JSON a directory dump's `<coll>.metadata.json` holds
/// (`{"options":…,"indexes":[…],"uuid":…,"collectionName":…,"type":…}`).
public struct CollectionMetadata: Sendable, Equatable {
    public var namespace: Namespace
    public var metadata: String
    public var size: Int32
    /// `collection`, `view` or `timeseries`; empty for the oplog entry.
    public var type: String

    public init(namespace: Namespace, metadata: String, size: Int32 = 0, type: String) {
        self.namespace = namespace
        self.metadata = metadata
        self.size = size
        self.type = type
    }
}

public struct ArchiveFormatError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let namespace: Namespace?
    public init(_ message: String, namespace: Namespace? = nil) {
        self.message = message
        self.namespace = namespace
    }
    public var description: String {
        if let namespace { return "mongodump archive, namespace \(namespace.isOplog ? "oplog" : namespace.description): \(message)" }
        return "mongodump archive: \(message)"
    }
}

enum ArchiveConstants {
    static let magic: UInt32 = 0x8199_E26D
    static let terminator: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
    /// BSON's limit is 16 MiB; mongodump allows a little more for oplog
    /// entries that wrap a maximal document.
    static let maxDocumentSize = 16 * 1024 * 1024 + 16 * 1024
}

extension ArchiveFormatError: CategorizedError {
    public var category: ErrorCategory { .corruptData }
}
