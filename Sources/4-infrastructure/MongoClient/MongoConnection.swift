internal import CBson
internal import CMongoc
import Foundation
import RawBSON

/// One libmongoc client. A client is not thread-safe: each thread that
/// talks to the server opens its own connection.
public final class MongoConnection {
    private let client: OpaquePointer
    private let uri: OpaquePointer

    private static let initialized: Bool = {
        // libmongoc's own log lines never reach the user raw: its DEBUG lines
        // name authentication steps, its warnings are about its internals
        // ("falling back to malloc for counters" in containers), and its
        // errors come back through the error API into Lifeboat's messages.
        // Set before mongoc_init, which already logs.
        mongoc_log_set_handler({ _, _, _, _ in }, nil)
        mongoc_init()
        return true
    }()

    /// Parses a connection string as the client will, without connecting:
    /// nil when it is valid, else libmongoc's reason.
    public static func problem(inURI text: String) -> String? {
        _ = initialized
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            return MongoError(error, operation: "parse").message
        }
        mongoc_uri_destroy(uri)
        return nil
    }

    /// Connects lazily (libmongoc connects on the first operation); `ping`
    /// forces it. URIs are never echoed: they may hold a password.
    public init(uri text: String, appName: String = "lifeboat") throws {
        _ = Self.initialized
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw MongoError(error, operation: "parse MONGO_URI")
        }
        self.uri = uri
        guard let client = mongoc_client_new_from_uri_with_error(uri, &error) else {
            mongoc_uri_destroy(uri)
            throw MongoError(error, operation: "create MongoDB client")
        }
        self.client = client
        mongoc_client_set_error_api(client, 2)
        mongoc_client_set_appname(client, appName)
    }

    deinit {
        mongoc_client_destroy(client)
        mongoc_uri_destroy(uri)
    }

    /// Runs a command and returns the server's reply.
    @discardableResult
    public func command(_ db: String, _ command: BSONDocument, operation: String? = nil) throws -> BSONDocument {
        let reply = cbson_reply_new()!
        defer { cbson_reply_free(reply) }
        var error = bson_error_t()
        let ok = mongoc_client_command_simple(client, db, command.handle, nil, reply, &error)
        try checkMongo(ok, error, operation ?? "command on \(db)")
        return BSONDocument(copying: reply)
    }

    @discardableResult
    public func command(_ db: String, json: String, operation: String? = nil) throws -> BSONDocument {
        try command(db, BSONDocument(json: json), operation: operation)
    }

    public func ping() throws {
        try command("admin", json: #"{"ping": 1}"#, operation: "connect to MongoDB")
    }

    /// `find` with options (sort, hint, batchSize…) as Extended JSON.
    public func find(_ db: String, _ collection: String, filter: String = "{}", options: String = "{}") throws -> MongoCursor {
        let handle = mongoc_client_get_collection(client, db, collection)!
        defer { mongoc_collection_destroy(handle) }
        let filterDocument = try BSONDocument(json: filter)
        let optionsDocument = try BSONDocument(json: options)
        let cursor = mongoc_collection_find_with_opts(handle, filterDocument.handle, optionsDocument.handle, nil)!
        return MongoCursor(cursor, operation: "find in \(db).\(collection)", connection: self)
    }

    /// `listCollections` of a database, each entry a document.
    public func listCollections(_ db: String) throws -> MongoCursor {
        let database = mongoc_client_get_database(client, db)!
        defer { mongoc_database_destroy(database) }
        return MongoCursor(mongoc_database_find_collections_with_opts(database, nil)!, operation: "listCollections on \(db)", connection: self)
    }

    public func listIndexes(_ db: String, _ collection: String) throws -> MongoCursor {
        let handle = mongoc_client_get_collection(client, db, collection)!
        defer { mongoc_collection_destroy(handle) }
        return MongoCursor(mongoc_collection_find_indexes_with_opts(handle, nil)!, operation: "listIndexes on \(db).\(collection)", connection: self)
    }

    public func databaseNames() throws -> [String] {
        var error = bson_error_t()
        guard let names = mongoc_client_get_database_names_with_opts(client, nil, &error) else {
            throw MongoError(error, operation: "listDatabases")
        }
        defer { bson_strfreev(names) }
        var result: [String] = []
        var index = 0
        while let name = names[index] {
            result.append(String(cString: name))
            index += 1
        }
        return result
    }

    public struct InsertOutcome: Sendable {
        public var inserted: Int
        public var duplicates: Int
        /// Write errors other than duplicate keys, with the server's message.
        public var otherErrors: [String]
    }

    /// Inserts documents unordered, so one duplicate does not stop the rest.
    /// Duplicate-key errors are counted, not thrown; any other failure of
    /// the whole batch throws.
    public func insertMany(_ db: String, _ collection: String, documents: UnsafeRawBufferPointer, count: Int) throws -> InsertOutcome {
        guard count > 0 else { return InsertOutcome(inserted: 0, duplicates: 0, otherErrors: []) }
        let handle = mongoc_client_get_collection(client, db, collection)!
        defer { mongoc_collection_destroy(handle) }
        let options = try BSONDocument(json: #"{"ordered": false}"#)
        let bulk = mongoc_collection_create_bulk_operation_with_opts(handle, options.handle)!
        defer { mongoc_bulk_operation_destroy(bulk) }
        var offset = 0
        var error = bson_error_t()
        for _ in 0..<count {
            let length = Int(documents.loadUnaligned(fromByteOffset: offset, as: Int32.self).littleEndian)
            let base = documents.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            guard let view = cbson_view_new(base, length) else {
                throw MongoError(operation: "insert into \(db).\(collection)", message: "invalid BSON document at offset \(offset)")
            }
            defer { cbson_view_free(view) }
            // The bulk operation copies the document, so the view may go.
            try checkMongo(mongoc_bulk_operation_insert_with_opts(bulk, view, nil, &error), error, "insert into \(db).\(collection)")
            offset += length
        }
        let reply = cbson_reply_new()!
        defer { cbson_reply_free(reply) }
        let ok = mongoc_bulk_operation_execute(bulk, reply, &error) != 0
        let summary = BSONDocument(copying: reply)
        let parsed = Self.parseWriteErrors(summary)
        if !ok && parsed.duplicates + parsed.other.count == 0 {
            throw MongoError(error, operation: "insert into \(db).\(collection)")
        }
        return InsertOutcome(inserted: parsed.inserted, duplicates: parsed.duplicates, otherErrors: parsed.other)
    }

    private static func parseWriteErrors(_ reply: BSONDocument) -> (inserted: Int, duplicates: Int, other: [String]) {
        let view = reply.view
        let inserted = Int(view["nInserted"]?.int32 ?? Int32(truncatingIfNeeded: view["nInserted"]?.int64 ?? 0))
        var duplicates = 0
        var other: [String] = []
        for error in view["writeErrors"]?.document ?? BSONDocumentView([5, 0, 0, 0, 0]) {
            guard let entry = error.document else { continue }
            let code = entry["code"]?.int32 ?? 0
            if code == 11000 { duplicates += 1 } else { other.append("code \(code): \(entry["errmsg"]?.string ?? "")") }
        }
        return (inserted, duplicates, other)
    }
}
