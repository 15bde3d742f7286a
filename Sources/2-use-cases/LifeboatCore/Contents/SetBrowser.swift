import ByteStreams
import FileSources
import Foundation
import LifeboatConfiguration
import MongoArchive
import MongoSource
import RedisSource
import Storage

/// `ls`, `find`, `diff` and `dump`: looking inside sets without restoring
/// them. Trees are read from each set's files index (S3: only the index is
/// fetched), config from its small tar; MongoDB and Redis from the manifest.
public struct SetBrowser {
    let settings: Settings
    let tiers: Tiers
    let console: Console

    public init(settings: Settings, tiers: Tiers, console: Console) {
        self.settings = settings
        self.tiers = tiers
        self.console = console
    }

    // MARK: ls

    /// The set's contents under `path` (nil: everything).
    public func contents(_ reference: String?, from: String?, path: String?, components: [Component]?) throws -> SetContents {
        let (tier, entry) = try TieredCatalog(tiers: tiers, console: console).resolve(reference, from: from)
        return try contents(of: entry.manifest, in: tier, path: path, components: components)
    }

    func contents(of manifest: Manifest, in tier: any StorageTier, path: String?, components: [Component]?) throws -> SetContents {
        let trees = TreeEntries(tier: tier, encryption: try Encryption(settings))
        var contents = SetContents(id: manifest.id, tier: tier.name)
        let wanted = { (component: Component) in components?.contains(component) ?? true }
        for component in [Component.files, .config] where manifest.artifact(component) != nil && wanted(component) {
            for entry in try trees.list(manifest, component) where Self.isUnder(entry.path, path, component) {
                contents.entries.append(SetContents.entry(entry, component))
            }
        }
        if path == nil {
            let summaries = SetContents.summaries(manifest)
            if wanted(.mongo) {
                contents.namespaces = summaries.namespaces
                let options = collectionOptions(manifest, in: tier)
                for index in contents.namespaces.indices { contents.namespaces[index].options = options[contents.namespaces[index].namespace] }
            }
            if wanted(.redis) { contents.redis = summaries.redis }
            contents.others = summaries.others.filter { Component(rawValue: $0.component).map(wanted) ?? true }
        }
        return contents
    }

    /// Each collection's options, from the archive's prelude (its first
    /// bytes: one ranged read of at most 4 MiB, never the documents). An
    /// archive whose prelude cannot be read that way gives none.
    func collectionOptions(_ manifest: Manifest, in tier: any StorageTier) -> [String: String] {
        guard let artifact = manifest.artifact(.mongo), !(artifact.mongo?.namespaces.isEmpty ?? true) else { return [:] }
        guard let encryption = try? Encryption(settings),
              let stored = try? tier.open(key: "\(manifest.id)/\(artifact.file)", from: 0, length: min(artifact.storedBytes, 4 << 20)),
              let reader = try? ArchiveReader(source: encryption.contents(of: artifact, from: stored)) else { return [:] }
        var options: [String: String] = [:]
        for collection in reader.collections {
            guard let data = collection.metadata.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let value = object["options"] as? [String: Any], !value.isEmpty,
                  let text = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) else { continue }
            options[collection.namespace.description] = String(decoding: text, as: UTF8.self)
        }
        return options
    }

    /// `path` as the user gives it: a files path relative to the uploads
    /// folder, a config path absolute.
    static func isUnder(_ entry: String, _ path: String?, _ component: Component) -> Bool {
        guard let path else { return true }
        var relative = path
        while relative.hasPrefix("/") { relative.removeFirst() }
        while relative.hasSuffix("/") { relative.removeLast() }
        if relative.isEmpty { return true }
        return entry == relative || entry.hasPrefix(relative + "/")
    }

    // MARK: find

    public struct FindResult: Sendable, Codable {
        public struct Hit: Sendable, Codable, Equatable {
            public var id: BackupSetID
            public var tier: String
            public var started: Date
            public var component: String
            public var path: String
            /// present (the oldest set searched), added, changed, unchanged, deleted
            public var change: String
            public var type: String?
            public var size: Int64?
            public var modified: Date?
            /// MongoDB namespaces (--ns): documents and bytes instead of size.
            public var documents: Int?
        }
        public var pattern: String
        public var setsSearched: Int
        /// Newest first.
        public var hits: [Hit]
        /// Sets that could not be read, with why (the rest were searched).
        public var unreadable: [String]
    }

    /// Every set (newest first) holding a path (or with `namespaces`, a
    /// MongoDB namespace) that matches the pattern, with what changed
    /// since the set before it.
    public func find(_ pattern: PathPattern, since: Date?, until: Date?, tier name: String?, namespaces: Bool) throws -> FindResult {
        let listing = try TieredCatalog(tiers: tiers, console: console).list(only: name.map { [$0] })
        if let name, let failure = listing.failures.first(where: { $0.tier == name }) { throw failure.error }
        let order = tiers.inLookupOrder.map(\.name)
        let rows = listing.rows.filter { row in
            (since.map { row.manifest.startedAt >= $0 } ?? true) && (until.map { row.manifest.startedAt <= $0 } ?? true)
        }
        var result = FindResult(pattern: pattern.text, setsSearched: 0, hits: [], unreadable: listing.failures.map { "\($0.tier): \($0.error.message)" })
        let encryption = try Encryption(settings)
        var previous: [String: FindResult.Hit] = [:]
        var previousFingerprints: [String: String] = [:]
        var chronological: [FindResult.Hit] = []
        for row in rows {
            let holder = order.first { row.tierNames.contains($0) } ?? row.entries[0].tier
            guard let tier = tiers.all.first(where: { $0.name == holder }) else { continue }
            let manifest = row.manifest
            var current: [String: FindResult.Hit] = [:]
            var fingerprints: [String: String] = [:]
            do {
                if namespaces {
                    for ns in manifest.artifact(.mongo)?.mongo?.namespaces ?? [] where pattern.matchesNamespace(ns.namespace) {
                        current["mongo:" + ns.namespace] = FindResult.Hit(id: row.id, tier: holder, started: manifest.startedAt, component: "mongo", path: ns.namespace,
                                                                          change: "", type: ns.type, size: ns.bytes, modified: nil, documents: ns.documents)
                        fingerprints["mongo:" + ns.namespace] = ns.digest
                    }
                } else {
                    let trees = TreeEntries(tier: tier, encryption: encryption)
                    for component in [Component.files, .config] where manifest.artifact(component) != nil {
                        for entry in try trees.list(manifest, component) where pattern.matches(entry.path) {
                            let shown = SetContents.entry(entry, component)
                            let key = component.rawValue + ":" + entry.path
                            current[key] = FindResult.Hit(id: row.id, tier: holder, started: manifest.startedAt, component: component.rawValue, path: shown.path,
                                                          change: "", type: shown.type, size: shown.size, modified: shown.modified, documents: nil)
                            fingerprints[key] = "\(entry.type) \(entry.size) \(entry.mtimeNanoseconds) \(entry.mode)"
                        }
                    }
                }
            } catch let error as LifeboatError {
                result.unreadable.append("\(row.id) (\(holder)): \(error.message)")
                continue
            }
            // A set without a component (an oplog slice has only MongoDB)
            // says nothing about that component's entries: they are carried on.
            let present = Set(namespaces ? (manifest.artifact(.mongo) != nil ? ["mongo"] : [])
                                         : [Component.files, .config].filter { manifest.artifact($0) != nil }.map(\.rawValue))
            if present.isEmpty { continue }
            for (key, hit) in previous where !present.contains(hit.component) {
                current[key] = hit
                fingerprints[key] = previousFingerprints[key]
            }
            let first = result.setsSearched == 0
            result.setsSearched += 1
            for (key, var hit) in current where present.contains(hit.component) {
                if first { hit.change = "present" } else if let before = previous[key] {
                    hit.change = before.size == hit.size && before.modified == hit.modified && before.documents == hit.documents
                        && fingerprints[key] == previousFingerprints[key] ? "unchanged" : "changed"
                } else { hit.change = "added" }
                chronological.append(hit)
            }
            for (key, before) in previous where current[key] == nil && present.contains(before.component) {
                chronological.append(FindResult.Hit(id: row.id, tier: holder, started: manifest.startedAt, component: before.component, path: before.path,
                                                    change: "deleted", type: nil, size: nil, modified: nil, documents: nil))
            }
            previous = current
            previousFingerprints = fingerprints
        }
        result.hits = chronological.sorted { ($0.started, $0.path) > ($1.started, $1.path) }
        return result
    }

    // MARK: diff

    public struct Difference: Sendable, Codable {
        public struct Change: Sendable, Codable, Equatable {
            public var component: String
            public var path: String
            /// added, removed, changed, renamed
            public var kind: String
            /// For a rename: the old path.
            public var from: String?
            /// What changed: size, mtime, mode, type.
            public var fields: [String]
            public var sizeBefore: Int64?
            public var sizeAfter: Int64?
        }
        public struct Count: Sendable, Codable, Equatable {
            public var name: String
            public var before: Int
            public var after: Int
            public var bytesBefore: Int64?
            public var bytesAfter: Int64?
        }
        public var from: BackupSetID
        public var to: BackupSetID
        public var changes: [Change]
        public var namespaces: [Count]
        public var redis: [Count]
    }

    public func diff(_ first: String?, _ second: String?, from: String?) throws -> Difference {
        let catalog = TieredCatalog(tiers: tiers, console: console)
        let (tierA, a) = try catalog.resolve(first, from: from)
        let (tierB, b) = try catalog.resolve(second, from: from)
        let encryption = try Encryption(settings)
        var result = Difference(from: a.id, to: b.id, changes: [], namespaces: [], redis: [])
        for component in [Component.files, .config] where a.manifest.artifact(component) != nil || b.manifest.artifact(component) != nil {
            let before = a.manifest.artifact(component) != nil ? try TreeEntries(tier: tierA, encryption: encryption).list(a.manifest, component) : []
            let after = b.manifest.artifact(component) != nil ? try TreeEntries(tier: tierB, encryption: encryption).list(b.manifest, component) : []
            result.changes += Self.changes(before, after, component)
        }
        let nsA = Dictionary((a.manifest.artifact(.mongo)?.mongo?.namespaces ?? []).map { ($0.namespace, $0) }, uniquingKeysWith: { x, _ in x })
        let nsB = Dictionary((b.manifest.artifact(.mongo)?.mongo?.namespaces ?? []).map { ($0.namespace, $0) }, uniquingKeysWith: { x, _ in x })
        for name in Set(nsA.keys).union(nsB.keys).sorted() where nsA[name]?.digest != nsB[name]?.digest || nsA[name] == nil || nsB[name] == nil {
            result.namespaces.append(.init(name: name, before: nsA[name]?.documents ?? 0, after: nsB[name]?.documents ?? 0,
                                           bytesBefore: nsA[name]?.bytes, bytesAfter: nsB[name]?.bytes))
        }
        let keysA = a.manifest.artifact(.redis)?.redis?.keysPerDatabase ?? [:], keysB = b.manifest.artifact(.redis)?.redis?.keysPerDatabase ?? [:]
        for database in Set(keysA.keys).union(keysB.keys).sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) where keysA[database] != keysB[database] {
            result.redis.append(.init(name: "db\(database)", before: keysA[database] ?? 0, after: keysB[database] ?? 0))
        }
        return result
    }

    /// Added, removed, changed; a removed file and an added one with the
    /// same inode, size and mtime are a rename.
    static func changes(_ before: [TreeIndexEntry], _ after: [TreeIndexEntry], _ component: Component) -> [Difference.Change] {
        let old = Dictionary(before.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
        let new = Dictionary(after.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
        let shown = { (path: String) in component == .config ? "/" + path : path }
        var changes: [Difference.Change] = []
        var removed = before.filter { new[$0.path] == nil }
        var added = after.filter { old[$0.path] == nil }
        // Renames: the same file (inode, size, mtime) under a new name.
        var byIdentity: [String: Int] = [:]
        func identity(_ e: TreeIndexEntry) -> String? { e.inode == 0 || e.type == .directory ? nil : "\(e.inode) \(e.size) \(e.mtimeNanoseconds)" }
        for (position, entry) in removed.enumerated() { if let key = identity(entry) { byIdentity[key] = position } }
        var renamedFrom: Set<Int> = []
        added = added.filter { entry in
            guard let key = identity(entry), let position = byIdentity[key], !renamedFrom.contains(position) else { return true }
            renamedFrom.insert(position)
            changes.append(.init(component: component.rawValue, path: shown(entry.path), kind: "renamed", from: shown(removed[position].path), fields: [],
                                 sizeBefore: removed[position].size, sizeAfter: entry.size))
            return false
        }
        removed = removed.enumerated().filter { !renamedFrom.contains($0.offset) }.map(\.element)
        changes += added.map { .init(component: component.rawValue, path: shown($0.path), kind: "added", from: nil, fields: [], sizeBefore: nil, sizeAfter: $0.type == .directory ? nil : $0.size) }
        changes += removed.map { .init(component: component.rawValue, path: shown($0.path), kind: "removed", from: nil, fields: [], sizeBefore: $0.type == .directory ? nil : $0.size, sizeAfter: nil) }
        for entry in after {
            guard let was = old[entry.path] else { continue }
            var fields: [String] = []
            if was.type != entry.type { fields.append("type") }
            if was.type != .directory && was.size != entry.size { fields.append("size") }
            if was.type != .directory && was.mtimeNanoseconds != entry.mtimeNanoseconds { fields.append("mtime") }
            if was.mode & 0o7777 != entry.mode & 0o7777 { fields.append("mode") }
            if was.linkTarget != entry.linkTarget && entry.type == .symlink { fields.append("target") }
            if !fields.isEmpty {
                changes.append(.init(component: component.rawValue, path: shown(entry.path), kind: "changed", from: nil, fields: fields,
                                     sizeBefore: was.size, sizeAfter: entry.size))
            }
        }
        return changes.sorted { $0.path < $1.path }
    }

    // MARK: dump

    /// One file's bytes (or, for a folder, a tar of it) into `sink`. The
    /// entries are read and checked into a staging folder in BACKUP_DIR
    /// first, so nothing reaches the pipe unchecked; returns the bytes written.
    @discardableResult
    public func dump(_ reference: String?, from: String?, path: String, to sink: any ByteSink) throws -> Int64 {
        let (tier, entry) = try TieredCatalog(tiers: tiers, console: console).resolve(reference, from: from)
        let manifest = entry.manifest
        let encryption = try Encryption(settings)
        let trees = TreeEntries(tier: tier, encryption: encryption)
        for component in [Component.files, .config] where manifest.artifact(component) != nil {
            let tree = try trees.listing(manifest, component)
            let chosen = tree.entries.filter { Self.isUnder($0.path, path, component) }
            guard let top = chosen.min(by: { $0.path.count < $1.path.count }) else { continue }
            let staging = settings.backupDirectory + "/.lifeboat-staging-dump-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
            try LocalTier.makeDirectories(staging)
            defer { try? FileManager.default.removeItem(atPath: staging) }
            let selected = SelectedEntries(tier: tier, catalog: SetCatalog(tier: tier), encryption: encryption)
            let withTargets = SelectedEntries.choose(tree.entries) { Self.isUnder($0, top.path, .files) }
            _ = try selected.extract(withTargets, from: tree, of: manifest, component, into: staging)
            if top.type == .directory {
                let counted = CountingSink(sink)
                _ = try TreeArtifact.write(.folderContents(staging), to: counted, skipUnreadable: false)
                return Int64(counted.count)
            }
            guard top.type == .file else {
                throw LifeboatError.usage("\(path) is a \(SetContents.entry(top, component).type) in set \(manifest.id), not a file or folder",
                                          hint: "`lifeboat ls \(manifest.id) \(path)` shows it")
            }
            let source = try FileDescriptorSource(path: staging + "/" + top.path)
            return Int64(try source.drain { try sink.write($0) })
        }
        throw LifeboatError.usage("set \(manifest.id) holds nothing at \(path)",
                                  hint: "`lifeboat ls \(manifest.id)` lists what it holds; `lifeboat find '\((path as NSString).lastPathComponent)'` finds the sets that have it")
    }
}
