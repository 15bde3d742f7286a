import ErrorCategories
import ByteStreams
import Foundation

/// An object in a tier, by its key (`<set id>/<file name>`).
public struct ObjectInfo: Sendable, Equatable {
    public let key: String
    public let size: UInt64
    public let modified: Date

    public init(key: String, size: UInt64, modified: Date) {
        self.key = key
        self.size = size
        self.modified = modified
    }
}

/// An object being written. Nothing of it is visible to `stat`, `list` or
/// `open` until `commit()` returns; `abort()` leaves nothing behind.
public protocol ObjectUpload: ByteSink {
    /// Makes the object durable and visible under its key, atomically.
    func commit() throws
    /// Discards what was written. Safe to call after a failed write or commit.
    func abort()
}

/// One place backup sets are kept (the local folder, S3, Glacier).
///
/// Every call blocks; callers run them on their own threads, never on
/// Swift's cooperative pool. Every tier passes the same conformance suite
/// (`Tests/LifeboatTests/StorageConformance.swift`).
public protocol StorageTier: Sendable {
    /// Short name used in manifests and on the command line (`local`, `s3`).
    var name: String { get }
    /// Where it is, for messages (`/backup`, `s3://bucket/prefix`).
    var location: String { get }

    func beginUpload(key: String) throws -> any ObjectUpload
    /// Opens an object for reading; throws `StorageError.notFound` when absent.
    func open(key: String) throws -> any ByteSource
    /// Opens `length` bytes (nil: to the end) of an object from `offset`,
    /// transferring only those where the tier can (S3: a ranged GET).
    func open(key: String, from offset: Int64, length: Int64?) throws -> any ByteSource
    func stat(key: String) throws -> ObjectInfo?
    /// Every committed object whose key starts with `prefix`, sorted by key.
    func list(prefix: String) throws -> [ObjectInfo]
    /// Deletes one object; deleting a missing object is not an error.
    func delete(key: String) throws
    /// Deletes everything under `prefix` (a set), including uncommitted leftovers.
    func deleteAll(prefix: String) throws

    // Capabilities: what the use cases treat differently per kind of tier,
    // asked of the tier instead of guessed from its type.

    /// A folder on this machine: read in place (no staging download), and
    /// only this host writes it (under the backup lock), so an incomplete
    /// set there is an interrupted one at once.
    var isLocal: Bool { get }
    /// The storage class artifacts are written with (an archive class for
    /// Glacier), recorded in the manifests' `copies`.
    var storageClass: String? { get }
    /// The price list entry its bytes are billed by (`report --costs`):
    /// `local`, the storage class, or the kind of server (`SFTP`).
    var pricingClass: String { get }
    /// Top-level names that may be sets without listing any object (a
    /// local folder holding only temporary files).
    func setFolderNames() throws -> [String]
    /// Aborts uploads begun before `date` and never finished (S3 multipart
    /// uploads); returns their keys.
    func abortUnfinishedUploads(begunBefore date: Date) throws -> [String]
    /// Until when the object may not be deleted or overwritten (S3 Object
    /// Lock), or nil.
    func lockedUntil(key: String) throws -> Date?
    /// Removes everything under the prefix so that it stops taking space
    /// (on a versioned bucket, every version).
    func deleteForGood(prefix: String) throws
    /// The tier as one of `copies` copies made at once: with its transfer
    /// buffers shared out so that the copies together use about what one
    /// alone would (S3: fewer parts in flight each).
    func sharingTransfers(among copies: Int) -> any StorageTier
}

extension StorageTier {
    public var isLocal: Bool { false }
    public var storageClass: String? { nil }
    public var pricingClass: String { isLocal ? "local" : storageClass ?? "STANDARD" }
    public func setFolderNames() throws -> [String] { [] }
    public func abortUnfinishedUploads(begunBefore date: Date) throws -> [String] { [] }
    public func lockedUntil(key: String) throws -> Date? { nil }
    public func deleteForGood(prefix: String) throws { try deleteAll(prefix: prefix) }
    public func sharingTransfers(among copies: Int) -> any StorageTier { self }
    /// A tier without ranged reads reads up to the offset and drops it.
    public func open(key: String, from offset: Int64, length: Int64?) throws -> any ByteSource {
        let source = try open(key: key)
        try source.skip(offset)
        return length.map { LimitedSource(source, limit: $0) } ?? source
    }
}

/// The one rule for object keys, the same in every tier: relative, no
/// `..` or `.`, no empty parts (so a key never leaves its tier's root or
/// prefix, whatever a manifest or a listing says).
public enum StorageKey {
    public static func validate(_ key: String) throws {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.hasPrefix("/"), !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }) else {
            throw StorageError.invalidKey(key)
        }
    }
}

public enum StorageError: Error, CustomStringConvertible, Sendable {
    case notFound(tier: String, key: String)
    case invalidKey(String)

    public var description: String {
        switch self {
        case .notFound(let tier, let key): return "\(key) does not exist in the \(tier) tier"
        case .invalidKey(let key): return "'\(key)' is not a valid object key (relative, no '..', no empty parts)"
        }
    }
}

extension StorageTier {
    /// Uploads a small object (a manifest) in one go.
    public func put(key: String, bytes: [UInt8]) throws {
        let upload = try beginUpload(key: key)
        do {
            try upload.write(bytes)
            try upload.commit()
        } catch {
            upload.abort()
            throw error
        }
    }

    /// Reads a small object (a manifest) whole.
    public func get(key: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let source = try open(key: key)
        var bytes: [UInt8] = []
        try source.drain(chunkSize: 64 << 10) { chunk in
            bytes.append(contentsOf: chunk)
            if bytes.count > limit { throw StorageError.invalidKey("\(key) is larger than \(limit) bytes") }
        }
        return bytes
    }
}

extension StorageError: CategorizedError {
    public var category: ErrorCategory { .failure }
}
