import ByteStreams
import Foundation
import LifeboatConfiguration
import LifeboatCrypto
import MongoArchive
import MongoSource

extension Component {
    /// MongoDB, as a mongodump archive (`mongorestore --archive` reads it).
    public static let mongo = Component(registered: "mongo")
}

/// MongoDB: a mongodump archive of every namespace (and the oplog window
/// taken with it); an incremental holds the oplog since its parent's end.
struct MongoComponent: ComponentHandler {
    var component: Component { .mongo }
    var fileStem: String { "mongo.archive" }
    var format: String { "mongodump-archive" }
    var configureHint: String { "set MONGO_URI (or MONGO_URI_FILE) to the server's connection string" }
    var followsChain: Bool { true }

    var rebuild: (any ComponentRebuild)? { MongoRebuild() }

    func isConfigured(_ settings: Settings) -> Bool { settings.mongo.uri != nil }

    func backUp(_ backup: ComponentBackup, into sink: any ByteSink, artifact: inout Manifest.Artifact) throws {
        let settings = backup.settings
        var options = MongoDumper.Options(selection: backup.mongoSelection, parallelCollections: settings.mongo.parallelCollections,
                                          toolVersion: "lifeboat \(LifeboatVersion.current)", captureOplog: settings.mongo.captureOplog)
        options.includeUsersAndRoles = settings.mongo.usersAndRoles
        let dumper = MongoDumper(uri: settings.mongo.uri!, options: options, warn: backup.warn)
        artifact.source = ServerIdentity.mongo(settings.mongo.uri!)
        // An incremental's MongoDB part is the oplog since its parent ended.
        if let after = backup.parent?.artifact(.mongo)?.mongo?.oplog?.end {
            if let captured = backup.captured {
                artifact.mongo = try dumper.writeOplogArchive(captured.entries, after: after, end: captured.end, into: sink)
            } else {
                artifact.mongo = try dumper.dumpOplog(after: after, into: sink)
            }
        } else {
            artifact.mongo = try dumper.dump(into: sink)
        }
    }

    func describe(_ artifact: Manifest.Artifact) -> String {
        guard let mongo = artifact.mongo else { return "" }
        var text = "\(mongo.namespaces.count) namespaces, \(mongo.documentCount) documents"
        if let oplog = mongo.oplog { text += ", oplog \(oplog.start)–\(oplog.end) (\(oplog.entries) entries)" }
        return text
    }

    /// Every namespace's CRC-64 (checked by the reader), document count and
    /// content digest against the manifest.
    func checkContents(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String] {
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
        guard let expected = artifact.mongo else { return [] }
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

    func reachability(_ settings: Settings) -> (reachable: Bool, detail: String)? {
        guard let uri = settings.mongo.uri else { return nil }
        do { return (true, "MongoDB \(try MongoHealth.ping(uri: uri)) answers") } catch { return (false, "\(error)") }
    }

    func doctorFindings(_ context: DoctorContext) -> [DoctorFinding] { MongoCheck.findings(context) }

    func prepareRestore(_ restore: ComponentRestore) throws -> any PreparedRestore {
        try MongoRestore.prepare(restore)
    }
}
