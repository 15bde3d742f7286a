import ByteStreams
import Foundation
import LifeboatCrypto
import MongoArchive
import MongoClient
import RawBSON

/// Dumps a server into a mongodump archive stream.
///
/// Collections are scanned in parallel (`parallelCollections` threads, each
/// with its own connection); each thread fills a segment of at most
/// `segmentBytes` and hands it whole to the archive writer under a lock, so
/// memory is bounded by threads × segment size whatever the data size.
/// On a replica set, the oplog from just before the dump to just after it
/// is appended as the archive's `oplog` namespace, as `mongodump --oplog`.
public final class MongoDumper: Sendable {
    public struct Options: Sendable {
        public var selection: NamespaceSelection
        public var parallelCollections: Int
        public var segmentBytes: Int
        public var toolVersion: String
        /// Runs after the collections are scanned, before the oplog window
        /// is closed (tests use it to stop a concurrent writer).
        public var beforeOplogCapture: (@Sendable () -> Void)?
        /// Capture the oplog written during the dump (replica sets only).
        public var captureOplog: Bool
        /// Also dump `admin.system.users` and `admin.system.roles`.
        public var includeUsersAndRoles: Bool = false

        public init(selection: NamespaceSelection = NamespaceSelection(), parallelCollections: Int = 4,
                    segmentBytes: Int = 1 << 20, toolVersion: String, captureOplog: Bool = true,
                    beforeOplogCapture: (@Sendable () -> Void)? = nil) {
            self.captureOplog = captureOplog
            self.selection = selection
            self.parallelCollections = parallelCollections
            self.segmentBytes = segmentBytes
            self.toolVersion = toolVersion
            self.beforeOplogCapture = beforeOplogCapture
        }
    }

    /// Databases never dumped by default: the server's own.
    public static let systemDatabases: Set<String> = ["admin", "local", "config"]

    private let uri: String
    private let options: Options
    private let warn: @Sendable (String) -> Void

    public init(uri: String, options: Options, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.uri = uri
        self.options = options
        self.warn = warn
    }

    struct Target: Sendable {
        let metadata: CollectionMetadata
        let indexCount: Int
    }

    public func dump(into sink: any ByteSink) throws -> MongoSummary {
        do {
            return try dumpUnmapped(into: sink)
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    func dumpUnmapped(into sink: any ByteSink) throws -> MongoSummary {
        let connection = try MongoConnection(uri: uri)
        try connection.ping()
        let hello = try connection.command("admin", json: #"{"hello": 1}"#).view
        let replicaSet = hello["setName"]?.string
        let buildInfo = try connection.command("admin", json: #"{"buildInfo": 1}"#).view
        let serverVersion = buildInfo["version"]?.string ?? "unknown"

        let targets = try catalog(connection)
        let oplogStart = replicaSet != nil && options.captureOplog ? try lastWrite(connection) : nil
        if replicaSet == nil {
            warn("the server is not a replica set member: no oplog, so the dump is not a single point in time")
        }

        let writer = try ArchiveWriter(sink: sink, header: ArchiveHeader(concurrentCollections: Int32(options.parallelCollections),
                                                                         serverVersion: serverVersion, toolVersion: options.toolVersion),
                                       collections: targets.map(\.metadata), includeOplog: oplogStart != nil)
        let summaries = try scanInParallel(targets, writer: writer)

        options.beforeOplogCapture?()
        var window: MongoSummary.OplogWindow?
        if let oplogStart {
            window = try captureOplog(connection, after: oplogStart, writer: writer)
        }
        return MongoSummary(serverVersion: serverVersion, replicaSet: replicaSet,
                            namespaces: summaries.sorted { $0.namespace < $1.namespace }, oplog: window)
    }

    /// An incremental: no collections, only the oplog from just after
    /// `position` (a previous set's end) to now, as the archive's `oplog`
    /// namespace. Throws `.gap` when the oplog no longer reaches back to
    /// `position` (the chain would be broken: take a full set instead).
    public func dumpOplog(after position: BSONTimestamp, into sink: any ByteSink) throws -> MongoSummary {
        do {
            let connection = try MongoConnection(uri: uri)
            try connection.ping()
            let hello = try connection.command("admin", json: #"{"hello": 1}"#).view
            guard let replicaSet = hello["setName"]?.string else {
                throw MongoSourceError("the server is not a replica set member: it has no oplog, so incremental backups are impossible",
                                       hint: "run MongoDB as a replica set (a single member is enough), or take full backups", kind: .unsupported)
            }
            let serverVersion = try connection.command("admin", json: #"{"buildInfo": 1}"#).view["version"]?.string ?? "unknown"
            let oldest = try connection.find("local", "oplog.rs", options: #"{"sort": {"$natural": 1}, "limit": 1, "projection": {"ts": 1}}"#)
            if let first = try oldest.nextDocument(), let ts = first.view["ts"]?.timestamp, ts > position {
                throw MongoSourceError("the oplog starts at \(ts), after the previous set's end \(position): the entries between have rolled off",
                                       hint: "a full set is taken instead; a larger oplog (replSetResizeOplog) keeps chains whole", kind: .gap)
            }
            let writer = try ArchiveWriter(sink: sink, header: ArchiveHeader(concurrentCollections: 1, serverVersion: serverVersion,
                                                                             toolVersion: options.toolVersion),
                                           collections: [], includeOplog: true)
            let window = try captureOplog(connection, after: position, writer: writer)
            return MongoSummary(serverVersion: serverVersion, replicaSet: replicaSet, namespaces: [], oplog: window)
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    /// An incremental from entries already read (an `OplogTail`), given as
    /// consecutive BSON documents: those after `start`, up to the tail position `end`.
    public func writeOplogArchive(_ entries: any ByteSource, after start: BSONTimestamp, end: BSONTimestamp,
                                  into sink: any ByteSink) throws -> MongoSummary {
        do {
            let connection = try MongoConnection(uri: uri)
            let hello = try connection.command("admin", json: #"{"hello": 1}"#).view
            let serverVersion = try connection.command("admin", json: #"{"buildInfo": 1}"#).view["version"]?.string ?? "unknown"
            let writer = try ArchiveWriter(sink: sink, header: ArchiveHeader(concurrentCollections: 1, serverVersion: serverVersion,
                                                                             toolVersion: options.toolVersion),
                                           collections: [], includeOplog: true)
            var segments = OplogSegments(writer: writer, segmentBytes: options.segmentBytes)
            let input = BufferedInput(entries)
            while let entry = try input.readDocument(what: "captured oplog entry", endOfStreamAllowed: true) {
                guard let ts = BSONDocumentView(slice: entry)["ts"]?.timestamp, ts > start, ts <= end else { continue }
                try segments.append(entry)
            }
            try segments.finish()
            return MongoSummary(serverVersion: serverVersion, replicaSet: hello["setName"]?.string, namespaces: [],
                                oplog: MongoSummary.OplogWindow(start: start, end: max(start, end), entries: segments.total))
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    /// Every selected collection and view with its metadata, as mongodump writes it.
    /// The collections that hold users and roles, dumped only when asked.
    public static let authorizationNamespaces: Set<Namespace> = [
        Namespace(db: "admin", collection: "system.users"), Namespace(db: "admin", collection: "system.roles"),
    ]

    func catalog(_ connection: MongoConnection) throws -> [Target] {
        var targets: [Target] = []
        let databases = try connection.databaseNames().sorted()
        for db in databases where !Self.systemDatabases.contains(db) || (db == "admin" && options.includeUsersAndRoles) {
            let cursor = try connection.listCollections(db)
            while let entry = try cursor.nextDocument() {
                let view = entry.view
                guard let name = view["name"]?.string else { continue }
                let namespace = Namespace(db: db, collection: name)
                if Self.authorizationNamespaces.contains(namespace) {
                    guard options.includeUsersAndRoles else { continue }
                } else {
                    guard !name.hasPrefix("system."), !Self.systemDatabases.contains(db), options.selection.selects(namespace) else { continue }
                }
                let type = view["type"]?.string ?? "collection"
                var indexes: [String] = []
                if type != "view" {
                    let indexCursor = try connection.listIndexes(db, name)
                    while let index = try indexCursor.nextDocument() { indexes.append(index.canonicalJSON) }
                }
                var fields: [String] = []
                if let optionsElement = view["options"], let optionsView = optionsElement.document, optionsView.contains(where: { _ in true }) {
                    fields.append("\"options\":" + (try BSONDocument.canonicalJSON(of: optionsElement.value)))
                }
                fields.append("\"indexes\":[" + indexes.joined(separator: ",") + "]")
                if let uuid = view["info"]?.document?["uuid"], uuid.type == .binary {
                    fields.append("\"uuid\":\"" + Hex.encode(uuid.value.dropFirst(5)) + "\"")
                }
                fields.append("\"collectionName\":" + JSONText.quote(name))
                fields.append("\"type\":" + JSONText.quote(type))
                let metadata = "{" + fields.joined(separator: ",") + "}"
                targets.append(Target(metadata: CollectionMetadata(namespace: namespace, metadata: metadata, type: type), indexCount: indexes.count))
            }
        }
        if options.includeUsersAndRoles {
            // Some servers keep users outside listCollections; a non-empty
            // find is what counts.
            for namespace in Self.authorizationNamespaces.sorted() where !targets.contains(where: { $0.metadata.namespace == namespace }) {
                let probe = try connection.find(namespace.db, namespace.collection, options: #"{"limit": 1}"#)
                if try probe.next() != nil {
                    let metadata = #"{"indexes":[],"collectionName":\#(JSONText.quote(namespace.collection)),"type":"collection"}"#
                    targets.append(Target(metadata: CollectionMetadata(namespace: namespace, metadata: metadata, type: "collection"), indexCount: 0))
                }
            }
        }
        return targets
    }

    /// The newest oplog position: `hello`'s `lastWrite` where the server
    /// reports it (no oplog read at all), else the oplog's last entry.
    func lastWrite(_ connection: MongoConnection) throws -> BSONTimestamp? {
        let hello = try connection.command("admin", json: #"{"hello": 1}"#).view
        if let ts = hello["lastWrite"]?.document?["opTime"]?.document?["ts"]?.timestamp { return ts }
        return try newestOplogTimestamp(connection)
    }

    func newestOplogTimestamp(_ connection: MongoConnection) throws -> BSONTimestamp? {
        let cursor = try connection.find("local", "oplog.rs", options: #"{"sort": {"$natural": -1}, "limit": 1, "projection": {"ts": 1}}"#)
        guard let entry = try cursor.nextDocument() else { return nil }
        return entry.view["ts"]?.timestamp
    }

    /// Scans collections on `parallelCollections` threads.
    private func scanInParallel(_ targets: [Target], writer: ArchiveWriter) throws -> [MongoSummary.NamespaceSummary] {
        let shared = ScanState(targets: targets, writer: writer)
        let threads = max(1, min(options.parallelCollections, targets.count))
        let group = DispatchGroup()
        for index in 0..<threads {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                do {
                    let connection = try MongoConnection(uri: uri)
                    while let target = shared.nextTarget() {
                        let summary = try scan(target, connection: connection, shared: shared)
                        shared.record(summary)
                    }
                } catch {
                    shared.fail(error)
                }
            }
            thread.name = "lifeboat-dump-\(index)"
            thread.start()
        }
        group.wait()
        if let error = shared.failure { throw error }
        return shared.summaries
    }

    private func scan(_ target: Target, connection: MongoConnection, shared: ScanState) throws -> MongoSummary.NamespaceSummary {
        let namespace = target.metadata.namespace
        var digest = MultisetDigest()
        let hasher = try SHA256Digest()
        var documents = 0
        var bytes: Int64 = 0
        var segment: [UInt8] = []
        var segmentCount = 0
        segment.reserveCapacity(options.segmentBytes + 64 << 10)
        func flush() throws {
            try shared.withWriter { try $0.writeSegment(namespace, documents: segment, count: segmentCount) }
            segment.removeAll(keepingCapacity: true)
            segmentCount = 0
        }
        if target.metadata.type != "view" {
            // Batches of at most 1,000 documents (and never over the server's
            // 16 MiB message limit) keep each thread's buffer small.
            let cursor = try connection.find(namespace.db, namespace.collection, options: #"{"batchSize": 1000}"#)
            while let document = try cursor.next() {
                if shared.failure != nil { throw CancellationError() }
                try digest.add(document, using: hasher)
                documents += 1
                bytes += Int64(document.count)
                segment.append(contentsOf: document)
                segmentCount += 1
                if segment.count >= options.segmentBytes { try flush() }
            }
        }
        // Stock mongodump writes a segment even for a namespace with no
        // documents; so do we, for mongorestore's sake.
        if segmentCount > 0 || documents == 0 { try flush() }
        try shared.withWriter { _ = try $0.finish(namespace) }
        return MongoSummary.NamespaceSummary(namespace: namespace.description, type: target.metadata.type, documents: documents,
                                             indexes: target.indexCount, bytes: bytes, digest: digest.hex)
    }

    /// Whether an oplog entry touches the namespaces this dump selects: the
    /// window holds only what a replay onto this dump needs.
    func concerns(_ entry: BSONDocumentView) -> Bool {
        guard let ns = entry["ns"]?.string, let op = entry["op"]?.string, op != "n" else { return false }
        let db = String(ns.prefix { $0 != "." })
        if Self.systemDatabases.contains(db) && op != "c" { return false }
        if op == "c" {
            guard let object = entry["o"]?.document, let first = object.first(where: { _ in true }) else { return false }
            if first.name == "applyOps" { return true }
            if first.name == "renameCollection" {
                let from = first.string.flatMap(Namespace.init)
                let to = object["to"]?.string.flatMap(Namespace.init)
                return [from, to].contains { $0.map(options.selection.selects) ?? false }
            }
            if Self.systemDatabases.contains(db) { return false }
            if first.name == "dropDatabase" { return options.selection.include.isEmpty || options.selection.include.contains { $0.text.hasPrefix(db + ".") } }
            return first.string.map { options.selection.selects(Namespace(db: db, collection: $0)) } ?? false
        }
        return Namespace(ns).map(options.selection.selects) ?? false
    }

    /// Copies the oplog entries written during the dump into the archive.
    private func captureOplog(_ connection: MongoConnection, after start: BSONTimestamp, writer: ArchiveWriter) throws -> MongoSummary.OplogWindow {
        // Nothing written since the start: the window is empty, and the
        // oplog need not be read at all.
        let end = try lastWrite(connection) ?? start
        var segments = OplogSegments(writer: writer, segmentBytes: options.segmentBytes)
        if end > start {
            let filter = #"{"ts": {"$gt": {"$timestamp": {"t": \#(start.seconds), "i": \#(start.increment)}}, "$lte": {"$timestamp": {"t": \#(end.seconds), "i": \#(end.increment)}}}}"#
            let cursor = try connection.find("local", "oplog.rs", filter: filter, options: #"{"sort": {"$natural": 1}}"#)
            var previous = start
            while let entry = try cursor.next() {
                let view = BSONDocumentView(Array(entry))
                if let ts = view["ts"]?.timestamp {
                    if ts <= previous { continue }
                    previous = ts
                }
                guard concerns(view) else { continue }
                try segments.append(entry)
            }
        }
        try segments.finish()
        return MongoSummary.OplogWindow(start: start, end: end, entries: segments.total)
    }
}

/// Oplog entries into an archive's oplog namespace, in segments of about
/// `segmentBytes`; an empty window still gets its (empty) segment.
struct OplogSegments {
    let writer: ArchiveWriter
    let segmentBytes: Int
    private var segment: [UInt8] = []
    private var count = 0
    private(set) var total = 0

    init(writer: ArchiveWriter, segmentBytes: Int) {
        self.writer = writer
        self.segmentBytes = segmentBytes
    }

    mutating func append<Bytes: Sequence>(_ entry: Bytes) throws where Bytes.Element == UInt8 {
        segment.append(contentsOf: entry)
        count += 1
        total += 1
        if segment.count >= segmentBytes {
            try writer.writeSegment(.oplog, documents: segment, count: count)
            segment.removeAll(keepingCapacity: true)
            count = 0
        }
    }

    mutating func finish() throws {
        if count > 0 || total == 0 { try writer.writeSegment(.oplog, documents: segment, count: count) }
        try writer.finish(.oplog)
    }
}

/// The dump threads' shared state: the work queue, results, the first
/// failure, and the lock that serializes archive writes.
final class ScanState: @unchecked Sendable {
    // @unchecked Sendable: every field, the archive writer included, is used
    // only under `lock` (withWriter holds it for a whole segment).
    private let lock = NSLock()
    private var queue: [MongoDumper.Target]
    private var results: [MongoSummary.NamespaceSummary] = []
    private var error: (any Error)?
    private let writer: ArchiveWriter

    init(targets: [MongoDumper.Target], writer: ArchiveWriter) {
        queue = targets.reversed()
        self.writer = writer
    }

    func nextTarget() -> MongoDumper.Target? { lock.withLock { error == nil ? queue.popLast() : nil } }
    func record(_ summary: MongoSummary.NamespaceSummary) { lock.withLock { results.append(summary) } }
    func fail(_ error: any Error) { lock.withLock { if self.error == nil || self.error is CancellationError { self.error = error } } }
    var failure: (any Error)? { lock.withLock { error } }
    var summaries: [MongoSummary.NamespaceSummary] { lock.withLock { results } }
    func withWriter<T>(_ body: (ArchiveWriter) throws -> T) rethrows -> T { try lock.withLock { try body(writer) } }
}

/// JSON string quoting for metadata fields we write ourselves.
enum JSONText {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
