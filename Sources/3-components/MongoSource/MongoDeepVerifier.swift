import Foundation
import ByteStreams
import MongoArchive
import MongoClient

/// `verify --deep`: restores a dump into scratch databases on a real
/// server, reads every collection back, and compares each namespace's
/// document count and content digest with the manifest. The scratch
/// databases are dropped afterwards, also when anything fails.
public final class MongoDeepVerifier: Sendable {
    public struct Row: Codable, Sendable {
        public var namespace: String
        public var expectedDocuments: Int
        public var foundDocuments: Int?
        public var expectedDigest: String
        public var foundDigest: String?
        public var passed: Bool
    }

    private let uri: String
    private let parallel: Int
    private let insertion: InsertionParallelism

    public init(uri: String, parallel: Int = 4, insertion: InsertionParallelism = .automatic) {
        self.insertion = insertion
        self.uri = uri
        self.parallel = parallel
    }

    /// `tag` makes the scratch database names unique (`lbv<tag>_<db>`).
    public func verify(_ source: any ByteSource, expected: MongoSummary, tag: String) throws -> [Row] {
        do {
            return try verifyUnmapped(source, expected: expected, tag: tag)
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    func verifyUnmapped(_ source: any ByteSource, expected: MongoSummary, tag: String) throws -> [Row] {
        let prefix = "lbv\(tag)_"
        // Users and roles are merged into the live admin database on
        // restore: never part of a test restore.
        let checked = expected.namespaces.filter { summary in
            !MongoDumper.authorizationNamespaces.contains { $0.description == summary.namespace }
        }
        let databases = Set(checked.compactMap { Namespace($0.namespace)?.db })
        for db in databases where (prefix + db).utf8.count > 63 {
            throw MongoSourceError("the scratch database name \(prefix + db) would exceed MongoDB's 63 characters")
        }
        let selection = NamespaceSelection(exclude: try MongoDumper.authorizationNamespaces.map { try NamespacePattern($0.description) },
                                           renames: try databases.sorted().map { db in
            (try NamespacePattern(Self.escape(db) + ".*"), try NamespacePattern(Self.escape(prefix + db) + ".*"))
        })
        defer { dropScratch(prefix) }
        _ = try MongoRestorer(uri: uri, options: .init(selection: selection, drop: true, replayOplog: false, parallelism: insertion))
            .restore(from: source)
        let found = try MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern(Self.escape(prefix) + "*")]),
                                                             parallelCollections: parallel, toolVersion: "lifeboat verify"))
            .dump(into: NullSink())
        var byName: [String: MongoSummary.NamespaceSummary] = [:]
        for namespace in found.namespaces { byName[String(namespace.namespace.dropFirst(prefix.count))] = namespace }
        return checked.map { want in
            let have = byName[want.namespace]
            return Row(namespace: want.namespace, expectedDocuments: want.documents, foundDocuments: have?.documents,
                       expectedDigest: want.digest, foundDigest: have?.digest,
                       passed: have?.documents == want.documents && have?.digest == want.digest)
        }
    }

    private func dropScratch(_ prefix: String) {
        guard let connection = try? MongoConnection(uri: uri), let names = try? connection.databaseNames() else { return }
        for name in names where name.hasPrefix(prefix) {
            _ = try? connection.command(name, json: #"{"dropDatabase": 1}"#, operation: "drop scratch database \(name)")
        }
    }

    private static func escape(_ text: String) -> String { text.replacingOccurrences(of: "*", with: "\\*") }
}

/// Counts nothing, keeps nothing: for a dump whose summary is all we need.
final class NullSink: ByteSink {
    func write(_ bytes: UnsafeRawBufferPointer) throws {}
}
