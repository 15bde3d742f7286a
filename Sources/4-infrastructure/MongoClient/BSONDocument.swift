internal import CBson
import RawBSON

/// An owned libbson document (heap `bson_t`).
public final class BSONDocument: @unchecked Sendable {
    // @unchecked Sendable: the bson_t is never mutated after init, and
    // libbson's read functions are safe to call from several threads.
    let handle: OpaquePointer

    /// Takes ownership of a heap document (from bson_new/bson_copy).
    init(owning handle: OpaquePointer) { self.handle = handle }

    /// Copies a document libmongoc lends (a cursor's current document, a reply).
    convenience init(copying borrowed: OpaquePointer) {
        self.init(owning: bson_copy(borrowed)!)
    }

    /// Parses Extended JSON (canonical or relaxed).
    public convenience init(json: String) throws {
        var error = bson_error_t()
        let bytes = Array(json.utf8)
        guard let handle = bytes.withUnsafeBufferPointer({ bson_new_from_json($0.baseAddress, bytes.count, &error) }) else {
            throw MongoError(error, operation: "parse Extended JSON")
        }
        self.init(owning: handle)
    }

    /// Copies raw BSON bytes.
    public convenience init(bytes: UnsafeRawBufferPointer) throws {
        guard let handle = bson_new_from_data(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count) else {
            throw MongoError(operation: "read BSON", message: "invalid BSON document (\(bytes.count) bytes)")
        }
        self.init(owning: handle)
    }

    public convenience init<C: Collection>(bytes: C) throws where C.Element == UInt8 {
        let copy = Array(bytes)
        let handle = copy.withUnsafeBufferPointer { bson_new_from_data($0.baseAddress, copy.count) }
        guard let handle else { throw MongoError(operation: "read BSON", message: "invalid BSON document (\(copy.count) bytes)") }
        self.init(owning: handle)
    }

    deinit { bson_destroy(handle) }

    /// The raw bytes, valid while this object lives.
    public var data: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bson_get_data(handle), count: Int(bson_get_len_shim(handle)))
    }

    public var bytes: [UInt8] { Array(data) }

    /// A view for reading fields (RawBSON), over a copy of the bytes.
    public var view: BSONDocumentView { BSONDocumentView(bytes) }

    /// Canonical Extended JSON v2, as mongodump writes metadata.
    public var canonicalJSON: String {
        var length = 0
        guard let text = bson_as_canonical_extended_json(handle, &length) else { return "{}" }
        defer { bson_free(text) }
        return String(cString: text)
    }

    public var relaxedJSON: String {
        var length = 0
        guard let text = bson_as_relaxed_extended_json(handle, &length) else { return "{}" }
        defer { bson_free(text) }
        return String(cString: text)
    }

    /// Canonical Extended JSON of raw bytes.
    public static func canonicalJSON<C: Collection>(of bytes: C) throws -> String where C.Element == UInt8 {
        try BSONDocument(bytes: bytes).canonicalJSON
    }
}
