internal import CBson
internal import CMongoc

/// A server cursor; each document is lent until the next call.
public final class MongoCursor {
    private let cursor: OpaquePointer
    private let operation: String
    /// The connection whose client the cursor reads through: kept alive
    /// until the cursor is destroyed (libmongoc requires that order).
    private let connection: MongoConnection

    init(_ cursor: OpaquePointer, operation: String, connection: MongoConnection) {
        self.cursor = cursor
        self.operation = operation
        self.connection = connection
    }

    deinit { mongoc_cursor_destroy(cursor) }

    /// The next document's bytes, or nil at the end; throws the server's error.
    public func next() throws -> UnsafeRawBufferPointer? {
        var document: OpaquePointer?
        if mongoc_cursor_next(cursor, &document), let document {
            return UnsafeRawBufferPointer(start: bson_get_data(document), count: Int(bson_get_len_shim(document)))
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) { throw MongoError(error, operation: operation) }
        return nil
    }

    /// Whether a tailable cursor can still return documents (it returns nil
    /// when none arrived within its wait, and stays alive).
    public var isAlive: Bool { mongoc_cursor_more(cursor) }

    /// The next document, copied.
    public func nextDocument() throws -> BSONDocument? {
        guard let bytes = try next() else { return nil }
        return try BSONDocument(bytes: bytes)
    }
}
