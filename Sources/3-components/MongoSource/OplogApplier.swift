import MongoArchive
import MongoClient
import RawBSON

/// Applies oplog entries with ordinary commands, since not every server
/// (SecantusDB among them) has `applyOps`. Every operation is idempotent,
/// so entries already reflected in the dumped data apply harmlessly:
/// inserts become upserts by `_id`, deletes of missing documents do nothing.
///
/// Handles `i`, `u` (replacement, classic `$set`/`$unset` modifiers, and the
/// `$v: 2` diff format), `d`, `n`, and the commands create, drop,
/// createIndexes, dropIndexes and collMod.
final class OplogApplier {
    private let connection: MongoConnection
    private let selection: NamespaceSelection
    private(set) var applied = 0

    init(connection: MongoConnection, selection: NamespaceSelection) {
        self.connection = connection
        self.selection = selection
    }

    func apply(_ entry: BSONDocumentView) throws {
        guard let op = entry["op"]?.string, let nsText = entry["ns"]?.string else {
            throw MongoSourceError("an oplog entry lacks op or ns")
        }
        let ts = entry["ts"]?.timestamp.map(\.description) ?? "?"
        if op == "n" { return }
        do {
            if op == "c" {
                try applyCommand(entry, db: String(nsText.prefix { $0 != "." }))
            } else {
                guard let namespace = Namespace(nsText) else { return }
                guard selection.selects(namespace) else { return }
                let target = selection.target(of: namespace)
                guard let object = entry["o"]?.document else { throw MongoSourceError("entry has no 'o' document") }
                switch op {
                case "i": try upsert(object, into: target)
                case "d": try delete(object, from: target)
                case "u":
                    guard let query = entry["o2"]?.document else { throw MongoSourceError("update entry has no 'o2'") }
                    try update(query: query, change: object, in: target)
                default: throw MongoSourceError("unknown oplog operation '\(op)'")
                }
            }
            applied += 1
        } catch {
            throw MongoSourceError("replaying the oplog entry at \(ts) (\(op) on \(nsText)) failed: \(error)")
        }
    }

    private func upsert(_ document: BSONDocumentView, into target: Namespace) throws {
        guard let id = document["_id"] else { throw MongoSourceError("insert without _id") }
        var query = BSONBuilder()
        query.append("_id", element: id)
        try runUpdate(target, query: query.bytes, update: Array(document.slice), upsert: true)
    }

    private func delete(_ query: BSONDocumentView, from target: Namespace) throws {
        var statement = BSONBuilder()
        statement.append("q", document: Array(query.slice))
        statement.append("limit", int32: 1)
        var command = BSONBuilder()
        command.append("delete", string: target.collection)
        command.append("deletes", documents: [statement.bytes])
        try connection.command(target.db, BSONDocument(bytes: command.bytes), operation: "delete in \(target)")
    }

    private func update(query: BSONDocumentView, change: BSONDocumentView, in target: Namespace) throws {
        let fields = Array(change)
        if change["$v"]?.int32 == 2 || change["diff"] != nil {
            guard let diff = change["diff"]?.document else { throw MongoSourceError("$v:2 update without diff") }
            var plan = DiffPlan()
            try Self.translate(diff, prefix: "", into: &plan)
            // Truncations first, in their own update: `$push` with `$slice`
            // would conflict with a `$set` of an element of the same array.
            if !plan.truncations.isEmpty {
                var pushes = BSONBuilder()
                for (path, size) in plan.truncations {
                    var modifier = BSONBuilder()
                    modifier.append("$each", documents: [])
                    modifier.append("$slice", int64: size)
                    pushes.append(path, document: modifier.bytes)
                }
                var update = BSONBuilder()
                update.append("$push", document: pushes.bytes)
                try runUpdate(target, query: Array(query.slice), update: update.bytes, upsert: false)
            }
            var update = BSONBuilder()
            if !plan.sets.isEmpty { update.append("$set", document: plan.sets.bytes) }
            if !plan.unsets.isEmpty { update.append("$unset", document: plan.unsets.bytes) }
            if update.isEmpty { return }
            try runUpdate(target, query: Array(query.slice), update: update.bytes, upsert: false)
        } else if fields.contains(where: { $0.name.hasPrefix("$") }) {
            // Classic modifiers; `$v: 1` marks the format and is not an operator.
            var update = BSONBuilder()
            for field in fields where field.name != "$v" { update.append(field.name, element: field) }
            try runUpdate(target, query: Array(query.slice), update: update.bytes, upsert: false)
        } else {
            try runUpdate(target, query: Array(query.slice), update: Array(change.slice), upsert: false)
        }
    }

    /// What a diff amounts to in ordinary update operators.
    struct DiffPlan {
        var sets = BSONBuilder()
        var unsets = BSONBuilder()
        /// Arrays cut to a length, applied with `$push: {$each: [], $slice: n}`.
        var truncations: [(String, Int64)] = []
    }

    /// Turns a `$v: 2` diff into `$set` / `$unset` / truncations. Two forms:
    /// mongod's (`u`, `i`, `d`, `s<field>`, arrays with `a`, `u<n>`, `s<n>`,
    /// `l`), and the change-stream-like form some servers write
    /// (`updatedFields`, `removedFields`, `truncatedArrays`).
    static func translate(_ diff: BSONDocumentView, prefix: String, into plan: inout DiffPlan) throws {
        let empty = BSONDocumentView([5, 0, 0, 0, 0])
        if diff["updatedFields"] != nil || diff["removedFields"] != nil || diff["truncatedArrays"] != nil {
            for field in diff["updatedFields"]?.document ?? empty { plan.sets.append(prefix + field.name, element: field) }
            for removed in diff["removedFields"]?.document ?? empty {
                guard let name = removed.string else { throw MongoSourceError("removedFields holds a non-string") }
                plan.unsets.append(prefix + name, string: "")
            }
            for truncated in diff["truncatedArrays"]?.document ?? empty {
                guard let entry = truncated.document, let field = entry["field"]?.string else { throw MongoSourceError("malformed truncatedArrays entry") }
                let size = entry["newSize"].flatMap { $0.int32.map(Int64.init) ?? $0.int64 } ?? 0
                plan.truncations.append((prefix + field, size))
            }
            return
        }
        let isArray = diff["a"]?.bool == true
        for field in diff {
            let name = field.name
            if isArray {
                if name == "a" { continue }
                if name == "l" {
                    let size = field.int32.map(Int64.init) ?? field.int64 ?? 0
                    plan.truncations.append((String(prefix.dropLast()), size))
                } else if name.hasPrefix("u"), let index = Int(name.dropFirst()) {
                    plan.sets.append(prefix + String(index), element: field)
                } else if name.hasPrefix("s"), let index = Int(name.dropFirst()), let nested = field.document {
                    try translate(nested, prefix: prefix + String(index) + ".", into: &plan)
                } else {
                    throw MongoSourceError("unknown array diff field '\(name)' at '\(prefix)'")
                }
                continue
            }
            switch name {
            case "u", "i":
                for change in field.document ?? empty { plan.sets.append(prefix + change.name, element: change) }
            case "d":
                for removal in field.document ?? empty { plan.unsets.append(prefix + removal.name, string: "") }
            default:
                guard name.hasPrefix("s"), let nested = field.document else {
                    throw MongoSourceError("unknown diff field '\(name)' at '\(prefix)'")
                }
                try translate(nested, prefix: prefix + String(name.dropFirst()) + ".", into: &plan)
            }
        }
    }

    private func runUpdate(_ target: Namespace, query: [UInt8], update: [UInt8], upsert: Bool) throws {
        var statement = BSONBuilder()
        statement.append("q", document: query)
        statement.append("u", document: update)
        statement.append("upsert", bool: upsert)
        var command = BSONBuilder()
        command.append("update", string: target.collection)
        command.append("updates", documents: [statement.bytes])
        let reply = try connection.command(target.db, BSONDocument(bytes: command.bytes), operation: "update in \(target)").view
        if let errors = reply["writeErrors"]?.document, let first = errors.first(where: { _ in true })?.document {
            throw MongoSourceError("server refused the update: \(first["errmsg"]?.string ?? "unknown error")")
        }
    }

    private func applyCommand(_ entry: BSONDocumentView, db: String) throws {
        guard let object = entry["o"]?.document, let first = object.first(where: { _ in true }) else { return }
        func mapped(_ collection: String) -> Namespace? {
            let namespace = Namespace(db: db, collection: collection)
            return selection.selects(namespace) ? selection.target(of: namespace) : nil
        }
        var command = BSONBuilder()
        let targetDB: String
        switch first.name {
        case "create", "drop", "collMod", "dropIndexes":
            guard let collection = first.string, let target = mapped(collection) else { return }
            command.append(first.name, string: target.collection)
            let isView = first.name == "create" && object["viewOn"] != nil
            for field in object.dropFirst() {
                // SecantusDB logs a view's pipeline as `viewPipeline` (the command
                // calls it `pipeline`) and gives views an `idIndex` mongod refuses.
                if isView && field.name == "idIndex" { continue }
                command.append(isView && field.name == "viewPipeline" ? "pipeline" : field.name, element: field)
            }
            targetDB = target.db
        case "createIndexes":
            // mongod logs one index per entry, its spec flattened into `o`.
            // Some servers (SecantusDB) log the command's own form instead: `indexes: [spec…]`.
            guard let collection = first.string, let target = mapped(collection) else { return }
            var specs: [[UInt8]] = []
            if let listed = object["indexes"]?.document {
                for element in listed {
                    guard let index = element.document else { continue }
                    var spec = BSONBuilder()
                    for field in index where field.name != "entryFormat" { spec.append(field.name, element: field) }
                    specs.append(spec.bytes)
                }
            } else {
                var spec = BSONBuilder()
                for field in object.dropFirst() where field.name != "entryFormat" { spec.append(field.name, element: field) }
                specs.append(spec.bytes)
            }
            command.append("createIndexes", string: target.collection)
            command.append("indexes", documents: specs)
            targetDB = target.db
        case "commitIndexBuild":
            // Two-phase index builds (4.4+) log the specs at commit.
            guard let collection = first.string, let target = mapped(collection), let indexes = object["indexes"] else { return }
            command.append("createIndexes", string: target.collection)
            command.append("indexes", element: indexes)
            targetDB = target.db
        case "startIndexBuild", "abortIndexBuild":
            return
        case "dropDatabase":
            guard let target = mapped("x") else { return }
            command.append("dropDatabase", int32: 1)
            targetDB = target.db
        case "renameCollection":
            guard let from = first.string.flatMap(Namespace.init), let to = object["to"]?.string.flatMap(Namespace.init),
                  selection.selects(from) else { return }
            command.append("renameCollection", string: selection.target(of: from).description)
            command.append("to", string: selection.target(of: to).description)
            if let dropTarget = object["dropTarget"], dropTarget.type == .bool { command.append("dropTarget", element: dropTarget) }
            targetDB = "admin"
        case "applyOps":
            // Transactions and some tools log several operations as one entry.
            guard let operations = first.document else { return }
            for element in operations {
                if let operation = element.document { try apply(operation) }
            }
            return
        default:
            // A command on a collection or database this restore does not select is none of its business.
            if let collection = first.string, mapped(collection) == nil { return }
            if !selection.include.isEmpty && !selection.include.contains(where: { $0.text.hasPrefix(db + ".") }) { return }
            throw MongoSourceError("the oplog command '\(first.name)' is not supported by this version's replay")
        }
        do {
            try connection.command(targetDB, BSONDocument(bytes: command.bytes), operation: "\(first.name) in \(targetDB)")
        } catch let error as MongoError where [26, 27, 48, 85, 86].contains(error.code) || error.message.contains("not found") || error.message.contains("already exists") {
            // Already in that state (idempotent replay): namespace missing or existing, index missing or existing.
        }
    }
}
