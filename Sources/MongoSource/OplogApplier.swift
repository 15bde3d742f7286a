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
            var sets = BSONBuilder()
            var unsets = BSONBuilder()
            try Self.translate(diff, prefix: "", sets: &sets, unsets: &unsets)
            var update = BSONBuilder()
            if !sets.isEmpty { update.append("$set", document: sets.bytes) }
            if !unsets.isEmpty { update.append("$unset", document: unsets.bytes) }
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

    /// Turns a `$v: 2` diff into `$set` / `$unset` paths. Array diffs
    /// (`a: true`) set changed elements by index; a shrinking array (`l`)
    /// cannot be expressed that way and is refused with a clear error.
    static func translate(_ diff: BSONDocumentView, prefix: String, sets: inout BSONBuilder, unsets: inout BSONBuilder) throws {
        let isArray = diff["a"]?.bool == true
        for field in diff {
            let name = field.name
            if isArray {
                if name == "a" { continue }
                if name == "l" { throw MongoSourceError("array truncation in a $v:2 diff at '\(prefix)' is not supported yet") }
                if name.hasPrefix("u"), let index = Int(name.dropFirst()) {
                    sets.append(prefix + String(index), element: field)
                } else if name.hasPrefix("s"), let index = Int(name.dropFirst()), let nested = field.document {
                    try translate(nested, prefix: prefix + String(index) + ".", sets: &sets, unsets: &unsets)
                } else {
                    throw MongoSourceError("unknown array diff field '\(name)' at '\(prefix)'")
                }
                continue
            }
            switch name {
            case "u", "i":
                for change in field.document ?? BSONDocumentView([5, 0, 0, 0, 0]) { sets.append(prefix + change.name, element: change) }
            case "d":
                for removal in field.document ?? BSONDocumentView([5, 0, 0, 0, 0]) { unsets.append(prefix + removal.name, string: "") }
            default:
                guard name.hasPrefix("s"), let nested = field.document else {
                    throw MongoSourceError("unknown diff field '\(name)' at '\(prefix)'")
                }
                try translate(nested, prefix: prefix + String(name.dropFirst()) + ".", sets: &sets, unsets: &unsets)
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
        let supported = ["create", "drop", "createIndexes", "dropIndexes", "collMod"]
        guard supported.contains(first.name), let collection = first.string else {
            throw MongoSourceError("the oplog command '\(first.name)' is not supported by this version's replay")
        }
        let namespace = Namespace(db: db, collection: collection)
        guard selection.selects(namespace) else { return }
        let target = selection.target(of: namespace)
        var command = BSONBuilder()
        command.append(first.name, string: target.collection)
        for field in object.dropFirst() { command.append(field.name, element: field) }
        do {
            try connection.command(target.db, BSONDocument(bytes: command.bytes), operation: "\(first.name) \(target)")
        } catch let error as MongoError where [26, 27, 48, 85, 86].contains(error.code) {
            // Already in that state (idempotent replay): namespace missing or existing, index missing or existing.
        }
    }
}
