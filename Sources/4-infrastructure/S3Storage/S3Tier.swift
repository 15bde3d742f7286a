import ByteStreams
import Foundation
import HTTPClient
import Storage

/// A tier in an S3 bucket (AWS or any S3-compatible server), under an
/// optional key prefix. Also the Glacier tier: the same code with an
/// archive storage class for artifacts. Manifests and verification
/// records (`*.json`) always stay in the standard class, so a set in
/// Glacier can still be listed and described without a restore.
public struct S3Tier: StorageTier {
    public let name: String
    let client: S3Client

    public var location: String { client.location.display }
    public var storageClass: String? { client.options.storageClass }

    public init(name: String, location: S3Location, credentials: S3Credentials, options: S3Options = S3Options()) {
        self.name = name
        self.client = S3Client(location: location, credentials: credentials, options: options)
    }

    init(name: String, client: S3Client) {
        self.name = name
        self.client = client
    }

    /// With several copies at once, each keeps fewer parts in flight (at
    /// least one, and one being filled): together they send about as many
    /// parts as one copy alone, and hold about as much memory.
    public func sharingTransfers(among copies: Int) -> any StorageTier {
        guard copies > 1, client.options.parallelParts > 1 else { return self }
        var options = client.options
        options.parallelParts = max(1, options.parallelParts / copies)
        return S3Tier(name: name, client: S3Client(client, options: options))
    }

    func objectKey(_ key: String) throws -> String {
        try StorageKey.validate(key)
        return client.location.prefix + key
    }

    static func isMetadata(_ key: String) -> Bool { key.hasSuffix(".json") }

    public func beginUpload(key: String) throws -> any ObjectUpload {
        S3Upload(client: client, objectKey: try objectKey(key), storageClass: Self.isMetadata(key) ? nil : storageClass)
    }

    public func open(key: String) throws -> any ByteSource {
        let full = try objectKey(key)
        guard let head = try head(full) else { throw StorageError.notFound(tier: name, key: key) }
        if head.archive == .archived || head.archive == .restoring {
            throw S3Error(.archived, "\(key) is stored in \(head.storageClass ?? "an archive class")"
                          + (head.archive == .restoring ? " and its restore is still in progress" : " and has not been restored"),
                          operation: "download of \(location)\(key)")
        }
        return S3ObjectSource(client: client, objectKey: full, size: head.size, etag: head.etag)
    }

    public func open(key: String, from offset: Int64, length: Int64?) throws -> any ByteSource {
        let full = try objectKey(key)
        if let length {
            // A bounded range needs no HEAD first (one round trip fewer for a
            // read of one entry): an archived object's GET fails as archived,
            // a shorter object's as an integrity error; objects are never
            // rewritten, so no ETag is needed to pin the version.
            return S3ObjectSource(client: client, objectKey: full, size: offset + length, etag: nil, range: offset..<(offset + length))
        }
        guard let head = try head(full) else { throw StorageError.notFound(tier: name, key: key) }
        if head.archive == .archived || head.archive == .restoring {
            throw S3Error(.archived, "\(key) is stored in \(head.storageClass ?? "an archive class") and has not been restored",
                          operation: "download of \(location)\(key)")
        }
        let end = min(head.size, length.map { offset + $0 } ?? head.size)
        return S3ObjectSource(client: client, objectKey: full, size: head.size, etag: head.etag, range: min(offset, end)..<end)
    }

    public func stat(key: String) throws -> ObjectInfo? {
        guard let head = try head(try objectKey(key)) else { return nil }
        return ObjectInfo(key: key, size: UInt64(head.size), modified: head.modified)
    }

    public func list(prefix: String) throws -> [ObjectInfo] {
        try listObjects(prefix: prefix).map { ObjectInfo(key: $0.key, size: $0.size, modified: $0.modified) }
    }

    public func delete(key: String) throws {
        _ = try client.send("DELETE", key: try objectKey(key), accept: [200, 204, 404], operation: "delete of \(location)\(key)")
    }

    public func deleteAll(prefix: String) throws {
        let setPrefix = prefix.hasSuffix("/") || prefix.isEmpty ? prefix : prefix + "/"
        for upload in try incompleteUploads(prefix: setPrefix) {
            try abortUpload(upload)
        }
        for object in try listObjects(prefix: setPrefix) {
            try delete(key: object.key)
        }
    }

    // MARK: beyond the common protocol

    public struct ListedObject: Sendable {
        public let key: String
        public let size: UInt64
        public let modified: Date
        public let storageClass: String
    }

    /// Objects under `prefix` (relative to the tier's prefix), sorted by key.
    public func listObjects(prefix: String) throws -> [ListedObject] {
        var result: [ListedObject] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", client.location.prefix + prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try client.send("GET", key: nil, query: query, operation: "listing of \(location)\(prefix)")
            let xml = Substring(response.text)
            for entry in S3XML.elements("Contents", in: xml) {
                guard let key = S3XML.text("Key", in: entry), key.hasPrefix(client.location.prefix) else { continue }
                result.append(ListedObject(key: String(key.dropFirst(client.location.prefix.count)),
                                           size: UInt64(S3XML.text("Size", in: entry) ?? "") ?? 0,
                                           modified: S3Dates.parse(S3XML.text("LastModified", in: entry)) ?? Date(timeIntervalSince1970: 0),
                                           storageClass: S3XML.text("StorageClass", in: entry) ?? "STANDARD"))
            }
            token = S3XML.text("IsTruncated", in: xml) == "true" ? S3XML.text("NextContinuationToken", in: xml) : nil
        } while token != nil
        return result.sorted { $0.key < $1.key }
    }

    public struct IncompleteUpload: Sendable {
        public let key: String
        public let uploadID: String
        public let initiated: Date
    }

    /// Multipart uploads begun under `prefix` and never completed or aborted.
    public func incompleteUploads(prefix: String) throws -> [IncompleteUpload] {
        var result: [IncompleteUpload] = []
        var markers: (String, String)?
        repeat {
            var query = [("uploads", ""), ("prefix", client.location.prefix + prefix)]
            if let (key, id) = markers { query += [("key-marker", key), ("upload-id-marker", id)] }
            let response = try client.send("GET", key: nil, query: query, operation: "listing of incomplete uploads in \(location)")
            let xml = Substring(response.text)
            for entry in S3XML.elements("Upload", in: xml) {
                guard let key = S3XML.text("Key", in: entry), let id = S3XML.text("UploadId", in: entry),
                      key.hasPrefix(client.location.prefix) else { continue }
                result.append(IncompleteUpload(key: String(key.dropFirst(client.location.prefix.count)), uploadID: id,
                                               initiated: S3Dates.parse(S3XML.text("Initiated", in: entry)) ?? Date(timeIntervalSince1970: 0)))
            }
            if S3XML.text("IsTruncated", in: xml) == "true", let key = S3XML.text("NextKeyMarker", in: xml),
               let id = S3XML.text("NextUploadIdMarker", in: xml) {
                markers = (key, id)
            } else {
                markers = nil
            }
        } while markers != nil
        return result
    }

    public func abortUnfinishedUploads(begunBefore date: Date) throws -> [String] {
        var aborted: [String] = []
        for upload in try incompleteUploads(prefix: "") where upload.initiated < date {
            try abortUpload(upload)
            aborted.append(upload.key)
        }
        return aborted
    }

    public func abortUpload(_ upload: IncompleteUpload) throws {
        _ = try client.send("DELETE", key: try objectKey(upload.key), query: [("uploadId", upload.uploadID)], accept: [200, 204, 404],
                            operation: "abort of an incomplete upload of \(location)\(upload.key)")
    }

    public enum ArchiveState: String, Sendable {
        /// Readable now (a standard, infrequent-access or instant-retrieval class).
        case readable
        /// In GLACIER or DEEP_ARCHIVE, no restore requested.
        case archived
        /// A restore was requested and is not done yet.
        case restoring
        /// A temporary restored copy is readable.
        case restored

        public var isReadable: Bool { self == .readable || self == .restored }
    }

    struct Head {
        let size: Int64
        let etag: String?
        let modified: Date
        let storageClass: String?
        let archive: ArchiveState
        var lockedUntil: Date? = nil
    }

    func head(_ full: String) throws -> Head? {
        let response = try client.send("HEAD", key: full, accept: [200, 404], operation: "HEAD of s3://\(client.location.bucket)/\(full)")
        if response.status == 404 { return nil }
        let storageClass = response.headers["x-amz-storage-class"]
        var archive = ArchiveState.readable
        if let storageClass, ["GLACIER", "DEEP_ARCHIVE"].contains(storageClass.uppercased()) {
            let restore = response.headers["x-amz-restore"] ?? ""
            if restore.contains("ongoing-request=\"true\"") { archive = .restoring }
            else if restore.contains("ongoing-request=\"false\"") { archive = .restored }
            else { archive = .archived }
        }
        return Head(size: Int64(response.headers["content-length"] ?? "") ?? 0, etag: response.headers["etag"],
                    modified: S3Dates.parse(response.headers["last-modified"]) ?? Date(timeIntervalSince1970: 0),
                    storageClass: storageClass, archive: archive,
                    lockedUntil: S3Dates.parse(response.headers["x-amz-object-lock-retain-until-date"]))
    }

    /// The Object Lock retention of the object's current version.
    public func lockedUntil(key: String) throws -> Date? {
        try head(try objectKey(key))?.lockedUntil
    }

    /// With Object Lock the bucket is versioned: a plain DELETE only adds a
    /// delete marker and every version stays billed. Prune removes every
    /// version (and marker) under the prefix, which S3 refuses for a
    /// version whose lock has not expired.
    public func deleteForGood(prefix: String) throws {
        guard client.options.objectLock != nil else { return try deleteAll(prefix: prefix) }
        let setPrefix = prefix.hasSuffix("/") || prefix.isEmpty ? prefix : prefix + "/"
        for upload in try incompleteUploads(prefix: setPrefix) { try abortUpload(upload) }
        var versions: [(key: String, version: String)] = []
        var keyMarker: String?, versionMarker: String?
        repeat {
            var query = [("versions", ""), ("prefix", client.location.prefix + setPrefix)]
            if let keyMarker { query.append(("key-marker", keyMarker)) }
            if let versionMarker { query.append(("version-id-marker", versionMarker)) }
            let response = try client.send("GET", key: nil, query: query, operation: "listing of the versions under \(location)\(setPrefix)")
            let xml = Substring(response.text)
            for entry in S3XML.elements("Version", in: xml) + S3XML.elements("DeleteMarker", in: xml) {
                guard let key = S3XML.text("Key", in: entry), let version = S3XML.text("VersionId", in: entry) else { continue }
                versions.append((key, version))
            }
            let truncated = S3XML.text("IsTruncated", in: xml) == "true"
            keyMarker = truncated ? S3XML.text("NextKeyMarker", in: xml) : nil
            versionMarker = truncated ? S3XML.text("NextVersionIdMarker", in: xml) : nil
        } while keyMarker != nil
        // Manifests first: a crash mid-delete leaves nothing that lists as complete.
        for (key, version) in versions.sorted(by: { ($0.key.hasSuffix("/manifest.json") ? 0 : 1, $0.key) < ($1.key.hasSuffix("/manifest.json") ? 0 : 1, $1.key) }) {
            _ = try client.send("DELETE", key: key, query: [("versionId", version)], accept: [200, 204, 404],
                                operation: "delete of version \(version) of s3://\(client.location.bucket)/\(key)")
        }
    }

    /// Whether an object can be read now, or must be restored from its archive class first.
    public func archiveState(key: String) throws -> ArchiveState? {
        try head(try objectKey(key))?.archive
    }

    /// Asks S3 to restore an archived object for `days` days
    /// (`Standard`, `Bulk` or `Expedited` retrieval). Returns the state after asking.
    public func requestRestore(key: String, days: Int, retrieval: String) throws -> ArchiveState {
        let full = try objectKey(key)
        let xml = "<RestoreRequest><Days>\(days)</Days><GlacierJobParameters><Tier>\(S3XML.escape(retrieval))</Tier></GlacierJobParameters></RestoreRequest>"
        let bytes = Array(xml.utf8)
        let response = try bytes.withUnsafeBytes { buffer in
            try client.send("POST", key: full, query: [("restore", "")], headers: ["content-type": "application/xml"],
                            body: try S3Client.body(buffer), accept: [200, 202, 409], operation: "restore request for \(location)\(key)")
        }
        if response.status == 200 { return .restored }
        return try archiveState(key: key) ?? .restoring
    }

    /// Creates the bucket (for test setups and first runs against a fresh
    /// S3-compatible server); an existing bucket of ours is fine.
    public func createBucket() throws {
        let region = client.location.region
        let xml = region == "us-east-1" ? "" :
            "<CreateBucketConfiguration><LocationConstraint>\(S3XML.escape(region))</LocationConstraint></CreateBucketConfiguration>"
        let bytes = Array(xml.utf8)
        let response = try bytes.withUnsafeBytes { buffer in
            try client.send("PUT", key: nil, body: try S3Client.body(buffer, md5: false), accept: [200, 409],
                            operation: "creation of bucket \(client.location.bucket)")
        }
        if response.status == 409 {
            let error = S3Client.error(from: response, operation: "creation of bucket \(client.location.bucket)", attempts: 1)
            if error.code != "BucketAlreadyOwnedByYou" { throw error }
        }
    }

    /// Checks that the bucket exists and the credentials may list it.
    public func checkAccess() throws {
        _ = try client.send("GET", key: nil, query: [("list-type", "2"), ("max-keys", "1"), ("prefix", client.location.prefix)],
                            operation: "access check of \(location)")
    }
}

enum S3Dates {
    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
