import ByteStreams
import FileSources
import Foundation
import MongoSource
import RedisSource

/// `manifest.json`: written last, it is what makes a set complete. The
/// format is documented in docs/format.md; readers ignore unknown fields,
/// and refuse a `formatVersion` newer than they know.
public struct Manifest: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1
    public static let fileName = "manifest.json"

    public var formatVersion: Int
    public var tool: Tool
    public var id: BackupSetID
    public var kind: SetKind
    public var label: String?
    /// The set this one depends on (an incremental's parent); prune keeps it.
    public var parent: BackupSetID?
    /// The full set an incremental chain starts from.
    public var base: BackupSetID?
    public var startedAt: Date
    public var finishedAt: Date
    public var host: String
    public var artifacts: [Artifact]
    /// BACKUP_SIZE_ANOMALY findings: components far smaller (or larger) than usual.
    public var anomalies: [SizeAnomaly.Finding]?
    /// The tiers the set was taken for, `local` included when it is to be
    /// kept there (known at commit): the service copies it to the remote
    /// ones later when a copy failed (nil: older sets, the default tiers).
    public var targets: [String]? = nil
    /// The copies this run made or found (never stored: the manifest is the
    /// set's commit marker, written once and copied byte for byte; where a
    /// set lives is what each tier's listing says). Manifests of versions
    /// that wrote a `copies` field are read as if it were absent.
    public var copies: [Copy]? = nil

    enum CodingKeys: String, CodingKey {
        case formatVersion, tool, id, kind, label, parent, base, startedAt, finishedAt, host, artifacts, anomalies, targets
    }

    public struct Copy: Codable, Sendable, Equatable {
        /// `local`, `s3` or `glacier`.
        public var tier: String
        /// `/backup`, `s3://bucket/prefix/`.
        public var location: String
        /// The S3 storage class of the artifacts, when not STANDARD.
        public var storageClass: String?
        public var copiedAt: Date
    }

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
    }

    public struct Artifact: Codable, Sendable, Equatable {
        public var component: Component
        /// File name inside the set, e.g. `files.tar.zst`.
        public var file: String
        /// `tar` for files and config, `mongodump-archive` for mongo.
        public var format: String
        public var compression: CompressionAlgorithm
        public var compressionLevel: Int?
        /// Bytes before compression (the tar stream).
        public var rawBytes: Int64
        /// Bytes as stored in the tier.
        public var storedBytes: Int64
        /// SHA-256 of the stored bytes, lowercase hex.
        public var sha256: String
        /// For files and config: what the tar holds.
        public var tree: TreeSummary?
        /// For mongo: namespaces, counts, digests, the oplog window.
        public var mongo: MongoSummary?
        /// For redis: RDB version and size, keys per database.
        public var redis: RedisSummary?
        /// For code: the commit, branches and remote of the application repository.
        public var code: CodeSummary?
        /// Present when the stored bytes are encrypted.
        public var encryption: ArtifactEncryption?
        /// Files: the tree's index (every entry's path, size, mtime, inode,
        /// mode), stored beside the artifact like it (compressed, encrypted).
        public var index: IndexReference?
        /// Files in an incremental set: only what changed since the set `deltaOf`.
        public var delta: Bool?
        /// The set whose index a files delta was taken against (the newest
        /// set with files: the parent, unless oplog slices came between).
        public var deltaOf: BackupSetID?
        /// For mongo and redis: the server the artifact was taken from, without
        /// credentials (`mongodb:27017`); a restore elsewhere is not a live restore.
        public var source: String?
        /// Wall seconds the artifact took to write (absent in older sets), for `stats`.
        public var seconds: Double?
    }

    public struct IndexReference: Codable, Sendable, Equatable {
        public var file: String
        public var sha256: String
        public var storedBytes: Int64
    }

    public var storedBytes: Int64 { artifacts.reduce(0) { $0 + $1.storedBytes + ($1.index?.storedBytes ?? 0) } }
    public var components: [Component] { artifacts.map(\.component) }

    public func artifact(_ component: Component) -> Artifact? { artifacts.first { $0.component == component } }

    /// The MongoDB oplog window, for messages: `12 entries, 1795747018:3–1795747020:1`.
    public var oplogWindowDescription: String? {
        guard let window = artifact(.mongo)?.mongo?.oplog else { return nil }
        return "\(window.entries) entries, \(window.start)–\(window.end)"
    }

    /// Times are ISO 8601 UTC with milliseconds, so sets taken within one
    /// second still order by time; readers accept them with or without.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an ISO 8601 time"))
        }
        return decoder
    }

    /// A manifest names files inside its own set folder, one artifact per
    /// component: anything else (`../evil.tar.zst`, a second `files`
    /// artifact) is refused by every reader alike, never skipped.
    func validate(origin: String) throws {
        var seen: Set<Component> = []
        for artifact in artifacts {
            for name in [artifact.file] + (artifact.index.map { [$0.file] } ?? []) {
                if name.isEmpty || name.contains("/") || name.hasPrefix(".") || name == Self.fileName || name == VerificationRecord.fileName {
                    throw LifeboatError(.dataError, "\(origin) names an artifact '\(name)', which is not a file of the set's own folder; the manifest is refused")
                }
            }
            if !seen.insert(artifact.component).inserted {
                throw LifeboatError(.dataError, "\(origin) lists two '\(artifact.component.rawValue)' artifacts; the manifest is refused")
            }
        }
    }

    public func encoded() throws -> [UInt8] { Array(try Self.encoder().encode(self)) + [0x0A] }

    public static func decode(_ bytes: [UInt8], origin: String) throws -> Manifest {
        struct VersionProbe: Decodable { let formatVersion: Int }
        do {
            let probe = try decoder().decode(VersionProbe.self, from: Data(bytes))
            if probe.formatVersion > currentFormatVersion {
                throw LifeboatError(.dataError, "\(origin) has format version \(probe.formatVersion); this Lifeboat reads up to \(currentFormatVersion)",
                                    hint: "use a newer Lifeboat to read this set")
            }
            let manifest = try decoder().decode(Manifest.self, from: Data(bytes))
            try manifest.validate(origin: origin)
            return manifest
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError(.dataError, "\(origin) is not a readable manifest: \(error)")
        }
    }
}
