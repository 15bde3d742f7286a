import ByteStreams
import Foundation
import MongoArchive
import MongoClient
import RawBSON

/// Restores a mongodump archive (ours or stock mongodump's) into a server:
/// collections with their options, documents (in parallel, unordered, past
/// duplicate keys), indexes, views, and the archive's oplog window replayed
/// by our own applier (no `applyOps`).
public final class MongoRestorer: Sendable {
    public struct Options: Sendable {
        public var selection: NamespaceSelection
        public var drop: Bool
        public var replayOplog: Bool
        public var parallelism: InsertionParallelism
        public var batchBytes: Int
        /// Replay oplog entries up to and including this position only
        /// (point-in-time recovery, as mongorestore's --oplogLimit).
        public var oplogLimit: BSONTimestamp?

        public init(selection: NamespaceSelection = NamespaceSelection(), drop: Bool = false, replayOplog: Bool = true,
                    parallelism: InsertionParallelism = .automatic, batchBytes: Int = 2 << 20, oplogLimit: BSONTimestamp? = nil) {
            self.oplogLimit = oplogLimit
            self.selection = selection
            self.drop = drop
            self.replayOplog = replayOplog
            self.parallelism = parallelism
            self.batchBytes = batchBytes
        }
    }

    public struct Outcome: Sendable {
        public struct NamespaceOutcome: Sendable {
            public var source: String
            public var target: String
            public var type: String
            public var inserted = 0
            public var duplicates = 0
            public var indexes = 0
        }
        public var namespaces: [NamespaceOutcome]
        public var oplogApplied: Int
        /// How many connections inserted at once at the end, and the levels
        /// tried on the way (one entry for a fixed setting).
        public var insertionLevel = 1
        public var insertionLevelsTried: [Int] = []
        public var inserted: Int { namespaces.reduce(0) { $0 + $1.inserted } }
        public var failed: Int { namespaces.reduce(0) { $0 + $1.duplicates } }
    }

    private let uri: String
    private let options: Options
    private let warn: @Sendable (String) -> Void

    public init(uri: String, options: Options, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.uri = uri
        self.options = options
        self.warn = warn
    }

    struct Plan {
        let source: Namespace
        let target: Namespace
        let type: String
        let options: BSONDocumentView?
        let indexes: [[UInt8]]
    }

    public func restore(from source: any ByteSource) throws -> Outcome {
        do {
            return try restoreUnmapped(from: source)
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    func restoreUnmapped(from source: any ByteSource) throws -> Outcome {
        let reader = try ArchiveReader(source: source)
        let connection = try MongoConnection(uri: uri)
        try connection.ping()
        var plans: [Namespace: Plan] = [:]
        var authorization = false
        for entry in reader.collections where !entry.namespace.isOplog && options.selection.selects(entry.namespace) {
            var plan = try plan(entry)
            if MongoDumper.authorizationNamespaces.contains(entry.namespace) {
                // Users and roles go to temporary collections first and are
                // merged by the server, as mongorestore does.
                plan = Plan(source: plan.source, target: Namespace(db: "admin", collection: "lifeboat_restore_" + (entry.namespace.collection == "system.users" ? "users" : "roles")),
                            type: "collection", options: nil, indexes: [])
                authorization = true
            }
            plans[entry.namespace] = plan
        }
        try createCollections(plans.values.filter { $0.type != "view" }, connection)

        let pool = InsertionPool(uri: uri, parallelism: options.parallelism)
        var batches: [Namespace: (bytes: [UInt8], count: Int)] = [:]
        var indexesBuilt = false
        var oplogApplier: OplogApplier?
        func finishData() throws {
            try pool.drain()
            if !indexesBuilt {
                try createIndexes(Array(plans.values), connection, pool: pool)
                try createViews(plans.values.filter { $0.type == "view" }, connection)
                if authorization { try mergeUsersAndRoles(connection) }
                indexesBuilt = true
            }
        }
        do {
            while let event = try reader.next() {
                switch event {
                case .document(let namespace, let bytes):
                    if namespace.isOplog {
                        guard options.replayOplog else { continue }
                        if let limit = options.oplogLimit, let ts = BSONDocumentView(slice: bytes)["ts"]?.timestamp, ts > limit { continue }
                        if oplogApplier == nil {
                            try finishData()
                            oplogApplier = OplogApplier(connection: connection, selection: options.selection)
                        }
                        try oplogApplier!.apply(BSONDocumentView(slice: bytes))
                        continue
                    }
                    guard let plan = plans[namespace] else { continue }
                    batches[namespace, default: ([], 0)].bytes.append(contentsOf: bytes)
                    batches[namespace]!.count += 1
                    if batches[namespace]!.bytes.count >= options.batchBytes {
                        try pool.submit(plan.target, batches.removeValue(forKey: namespace)!)
                    }
                case .endOfNamespace(let namespace, _, _):
                    if let plan = plans[namespace], let batch = batches.removeValue(forKey: namespace), batch.count > 0 {
                        try pool.submit(plan.target, batch)
                    }
                }
            }
            try finishData()
        } catch {
            pool.cancel()
            throw error
        }
        pool.stop()
        let outcomes = plans.values.sorted { $0.source < $1.source }.map { plan -> Outcome.NamespaceOutcome in
            var outcome = Outcome.NamespaceOutcome(source: plan.source.description, target: plan.target.description, type: plan.type)
            let counts = pool.counts(plan.target)
            outcome.inserted = counts.inserted
            outcome.duplicates = counts.duplicates
            outcome.indexes = plan.indexes.count
            return outcome
        }
        for outcome in outcomes where outcome.duplicates > 0 {
            warn("\(outcome.target): \(outcome.duplicates) documents not inserted (duplicate keys)")
        }
        var outcome = Outcome(namespaces: outcomes, oplogApplied: oplogApplier?.applied ?? 0)
        (outcome.insertionLevel, outcome.insertionLevelsTried) = pool.levels
        return outcome
    }

    /// Moves the restored users and roles into place with the server's
    /// `_mergeAuthzCollections`, then drops the temporary collections.
    private func mergeUsersAndRoles(_ connection: MongoConnection) throws {
        defer {
            for name in ["lifeboat_restore_users", "lifeboat_restore_roles"] {
                _ = try? connection.command("admin", json: #"{"drop": "\#(name)"}"#)
            }
        }
        let command = #"{"_mergeAuthzCollections": 1, "tempUsersCollection": "admin.lifeboat_restore_users", "tempRolesCollection": "admin.lifeboat_restore_roles", "drop": \#(options.drop), "db": ""}"#
        do {
            try connection.command("admin", json: command, operation: "restore users and roles")
        } catch let error as MongoError where error.code == 59 {
            throw MongoSourceError("the set holds users and roles, but this server cannot merge them (it has no _mergeAuthzCollections); the other collections were restored",
                                   hint: "restore without users (--ns-exclude 'admin.*') or recreate the users by hand")
        }
    }

    private func plan(_ entry: CollectionMetadata) throws -> Plan {
        let metadata = try BSONDocument(json: entry.metadata.isEmpty ? "{}" : entry.metadata).view
        var indexes: [[UInt8]] = []
        for element in metadata["indexes"]?.document ?? BSONDocumentView([5, 0, 0, 0, 0]) {
            guard let spec = element.document, spec["name"]?.string != "_id_" else { continue }
            // `ns` was part of index specs before 4.4; servers now refuse it.
            var builder = BSONBuilder()
            for field in spec where field.name != "ns" { builder.append(field.name, element: field) }
            indexes.append(builder.bytes)
        }
        let type = entry.type.isEmpty ? (metadata["type"]?.string ?? "collection") : entry.type
        return Plan(source: entry.namespace, target: options.selection.target(of: entry.namespace), type: type,
                    options: metadata["options"]?.document, indexes: indexes)
    }

    private func createCollections(_ plans: [Plan], _ connection: MongoConnection) throws {
        for plan in plans.sorted(by: { $0.target < $1.target }) {
            try dropIfAsked(plan, connection)
            var command = BSONBuilder()
            command.append("create", string: plan.target.collection)
            for field in plan.options ?? BSONDocumentView([5, 0, 0, 0, 0]) { command.append(field.name, element: field) }
            try runCreate(command.bytes, plan, connection)
        }
    }

    private func createViews(_ plans: [Plan], _ connection: MongoConnection) throws {
        // A view may be defined on another view: create in rounds until no progress.
        var pending = plans
        var lastError: (any Error)?
        while !pending.isEmpty {
            var next: [Plan] = []
            for plan in pending {
                do {
                    try dropIfAsked(plan, connection)
                    var command = BSONBuilder()
                    command.append("create", string: plan.target.collection)
                    for field in plan.options ?? BSONDocumentView([5, 0, 0, 0, 0]) {
                        if field.name == "viewOn", let on = field.string {
                            let source = Namespace(db: plan.source.db, collection: on)
                            command.append("viewOn", string: options.selection.target(of: source).collection)
                        } else {
                            command.append(field.name, element: field)
                        }
                    }
                    try runCreate(command.bytes, plan, connection)
                } catch {
                    lastError = error
                    next.append(plan)
                }
            }
            if next.count == pending.count { throw lastError! }
            pending = next
        }
    }

    private func dropIfAsked(_ plan: Plan, _ connection: MongoConnection) throws {
        guard options.drop else { return }
        do {
            try connection.command(plan.target.db, json: #"{"drop": \#(JSONText.quote(plan.target.collection))}"#, operation: "drop \(plan.target)")
        } catch let error as MongoError where error.code == 26 || error.message.contains("not found") {
            // Nothing to drop.
        }
    }

    private func runCreate(_ command: [UInt8], _ plan: Plan, _ connection: MongoConnection) throws {
        do {
            try connection.command(plan.target.db, BSONDocument(bytes: command), operation: "create \(plan.target)")
        } catch let error as MongoError where error.code == 48 || error.message.contains("already exists") {
            // Restoring into an existing collection, as mongorestore does without --drop.
        }
    }

    private func createIndexes(_ plans: [Plan], _ connection: MongoConnection, pool: InsertionPool) throws {
        for plan in plans where !plan.indexes.isEmpty && plan.type != "view" {
            var command = BSONBuilder()
            command.append("createIndexes", string: plan.target.collection)
            command.append("indexes", documents: plan.indexes)
            try connection.command(plan.target.db, BSONDocument(bytes: command.bytes), operation: "create indexes on \(plan.target)")
        }
    }
}
