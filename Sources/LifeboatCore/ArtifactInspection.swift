import ByteStreams
import FileSources
import LifeboatCrypto
import MongoArchive
import MongoSource
import RedisSource

/// Reads an artifact's decompressed contents to the end and compares what
/// it holds with the manifest, per kind: tar entries and bytes; for a
/// mongodump archive, every namespace's CRC-64 (checked by the reader),
/// document count and content digest.
enum ArtifactInspection {
    /// The differences found, empty when the contents match.
    static func checkContents(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String] {
        switch artifact.component {
        case .files, .config:
            let found = try TreeArtifact.inspect(source)
            if let expected = artifact.tree, !expected.sameContents(as: found) {
                return ["contents differ from the manifest: expected \(expected.countsDescription), found \(found.countsDescription)"]
            }
            return []
        case .mongo:
            return try checkMongo(artifact.mongo, source)
        case .redis:
            var validator = RDBValidator()
            try source.drain { validator.update($0) }
            _ = try validator.finish()
            if let expected = artifact.redis, expected.bytes != validator.count {
                return ["the RDB has \(validator.count) bytes, the manifest says \(expected.bytes)"]
            }
            if let expected = artifact.redis, expected.keysMeasured, case .success(let counts) = validator.keyCounts,
               counts.keysPerDatabase != expected.keysPerDatabase {
                return ["the RDB holds \(counts.totalKeys) keys, the manifest says \(expected.totalKeys)"]
            }
            return []
        }
    }

    private static func checkMongo(_ expected: MongoSummary?, _ source: any ByteSource) throws -> [String] {
        let reader = try ArchiveReader(source: source)
        var found: [String: (count: Int, digest: MultisetDigest)] = [:]
        let hasher = try SHA256Digest()
        while let event = try reader.next() {
            if case .document(let namespace, let bytes) = event, !namespace.isOplog {
                var entry = found[namespace.description] ?? (0, MultisetDigest())
                try bytes.withUnsafeBytes { try entry.digest.add($0, using: hasher) }
                entry.count += 1
                found[namespace.description] = entry
            }
        }
        guard let expected else { return [] }
        var problems: [String] = []
        for namespace in expected.namespaces {
            let entry = found[namespace.namespace] ?? (0, MultisetDigest())
            if entry.count != namespace.documents {
                problems.append("\(namespace.namespace): \(entry.count) documents, the manifest says \(namespace.documents)")
            } else if entry.digest.hex != namespace.digest {
                problems.append("\(namespace.namespace): content digest differs from the manifest")
            }
        }
        let announced = Set(reader.collections.map(\.namespace.description))
        for namespace in expected.namespaces where !announced.contains(namespace.namespace) {
            problems.append("\(namespace.namespace): missing from the archive")
        }
        return problems
    }
}
