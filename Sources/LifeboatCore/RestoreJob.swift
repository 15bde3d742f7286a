import ByteStreams
import DockerEngine
import Configuration
import FileSources
import Foundation
import LifeboatCrypto
import MongoArchive
import MongoSource
import RawBSON
import RedisSource
import Storage
import StreamCompression

/// Restores files and config from a set, verifying as it goes and changing
/// nothing live until every artifact involved has proved intact.
///
/// - uploads (`files`): extracted into a staging folder beside the target
///   while the stored bytes are hashed; swapped in only when the hash and
///   the counts match the manifest. The previous contents are kept aside.
/// - `config`: read once to check hash, structure and which files already
///   exist; then extracted in place, each file written to a temporary name
///   and renamed over the old one.
public struct RestoreJob: Sendable {
    public let settings: Settings
    public let tier: any StorageTier
    public let console: Console

    public init(settings: Settings, tier: (any StorageTier)? = nil, console: Console = .standardError) {
        self.settings = settings
        self.tier = tier ?? LocalTier(root: settings.backupDirectory)
        self.console = console
    }

    public struct Options: Sendable {
        public var components: [Component]?
        /// Restore under this folder (`DIR/files`, `DIR/config/<absolute path>`) instead of the original places.
        public var destination: String?
        /// Replace existing files; without it a restore that would replace anything is refused.
        public var overwrite: Bool
        /// Which MongoDB namespaces to restore, and under which names.
        public var mongoSelection: NamespaceSelection
        /// Drop each MongoDB collection before restoring it.
        public var drop: Bool
        /// Replay the oplog window captured with the dump.
        public var replayOplog: Bool
        /// Point-in-time recovery: replay the chain's oplog up to and including this position.
        public var oplogLimit: BSONTimestamp?

        public init(components: [Component]? = nil, destination: String? = nil, overwrite: Bool = false,
                    mongoSelection: NamespaceSelection = NamespaceSelection(), drop: Bool = false, replayOplog: Bool = true) {
            self.components = components
            self.destination = destination
            self.overwrite = overwrite
            self.mongoSelection = mongoSelection
            self.drop = drop
            self.replayOplog = replayOplog
        }
    }

    public struct Outcome: Sendable {
        public var id: BackupSetID
        public var restored: [(Component, String)] = []
        /// Where replaced uploads were kept.
        public var keptPrevious: [String] = []
        public var mongo: MongoRestorer.Outcome?
    }

    public func run(_ reference: String?, options: Options) throws -> Outcome {
        let entry = try SetCatalog(tier: tier).resolve(reference)
        guard tier is LocalTier else { return try runFromRemote(entry, options: options) }
        return try run(entry, options: options)
    }

    /// A remote copy is first downloaded into a staging folder under
    /// BACKUP_DIR, every artifact checked against the manifest on the way;
    /// only a whole, matching set is restored from. The staging copy goes
    /// afterwards, whatever the outcome.
    private func runFromRemote(_ entry: CatalogEntry, options: Options) throws -> Outcome {
        if entry.verificationState == .failed {
            throw LifeboatError.integrity("the \(tier.name) copy of \(entry.id) failed its last verification; refusing to restore it",
                                          hint: "pick another set or tier (`lifeboat list`)")
        }
        let stagingRoot = settings.backupDirectory + "/.lifeboat-fetch-\(getpid())"
        let staging = LocalTier(root: stagingRoot)
        defer { try? FileManager.default.removeItem(atPath: stagingRoot) }
        console.info("downloading \(entry.id) from \(tier.name) (\(tier.location)) and checking it before anything is restored…")
        _ = try SetCopier(console: console).copy(entry.manifest, from: tier, to: staging)
        let local = RestoreJob(settings: settings, tier: staging, console: console)
        return try local.run(try SetCatalog(tier: staging).resolve(entry.id.rawValue), options: options)
    }

    /// An artifact's stored bytes, counted on the progress line when there is one.
    func openStored(_ artifact: Manifest.Artifact, of id: BackupSetID) throws -> any ByteSource {
        let stored = try tier.open(key: "\(id)/\(artifact.file)")
        guard let meter = console.meter else { return stored }
        meter.begin("restore \(artifact.component.rawValue)")
        return ProgressSource(stored, meter: meter)
    }

    func run(_ entry: CatalogEntry, options: Options) throws -> Outcome {
        let encryption = try Encryption(settings)
        let manifest = entry.manifest
        if entry.verificationState == .failed {
            throw LifeboatError.integrity("set \(manifest.id) failed its last verification; refusing to restore it",
                                          hint: "pick another set (`lifeboat list`), or run `lifeboat verify \(manifest.id)` again if the storage was repaired")
        }
        let components = options.components ?? manifest.components
        for component in components where manifest.artifact(component) == nil {
            throw LifeboatError.usage("set \(manifest.id) has no '\(component.rawValue)' component",
                                      hint: "it holds: \(manifest.components.map(\.rawValue).joined(separator: ", "))")
        }
        if let destination = options.destination, !destination.hasPrefix("/") {
            throw LifeboatError.usage("--to must be an absolute path, got '\(destination)'")
        }
        console.info("restore \(manifest.id) from \(tier.location): \(components.map(\.rawValue).joined(separator: ", "))")

        var outcome = Outcome(id: manifest.id)
        // Check every target before changing any, so a refusal changes nothing.
        var swap: (FolderSwap, Manifest.Artifact)?
        if components.contains(.files), let artifact = manifest.artifact(.files) {
            let target = try filesTarget(artifact, options)
            do {
                swap = (try FolderSwap(target: target, tag: manifest.id.rawValue, overwrite: options.overwrite), artifact)
            } catch {
                throw LifeboatError.wrap(error, doing: "restoring files")
            }
        }
        defer { swap?.0.discard() }
        var configPlan: (Manifest.Artifact, String)?
        if components.contains(.config), let artifact = manifest.artifact(.config) {
            let root = options.destination.map { $0 + "/config" } ?? "/"
            try checkConfig(encryption, artifact, in: manifest.id, root: root, overwrite: options.overwrite)
            configPlan = (artifact, root)
        }

        var mongoArtifact: Manifest.Artifact?
        var mongoChain: [Manifest] = []
        if components.contains(.mongo), let artifact = manifest.artifact(.mongo) {
            guard settings.mongoURI != nil else {
                throw LifeboatError.usage("restoring 'mongo' needs MONGO_URI", hint: "set MONGO_URI to the server to restore into")
            }
            mongoChain = try self.mongoChain(ending: manifest)
            for link in mongoChain {
                try checkWhole(link.artifact(.mongo)!, in: link.id)
            }
            mongoArtifact = artifact
        }
        var redisArtifact: Manifest.Artifact?
        if components.contains(.redis), let artifact = manifest.artifact(.redis) {
            guard settings.redisURL != nil else {
                throw LifeboatError.usage("restoring 'redis' needs REDIS_URL", hint: "set REDIS_URL to the server to restore into")
            }
            try checkWhole(artifact, in: manifest.id)
            try checkRedisTarget(overwrite: options.overwrite)
            redisArtifact = artifact
        }
        var staged: (FolderSwap, TreeSummary)?
        if let (folder, artifact) = swap {
            if artifact.delta == true {
                staged = (folder, try extractFilesChain(encryption, ending: manifest, into: folder.resolvedStaging))
            } else {
                staged = (folder, try extractVerified(encryption, artifact, of: manifest.id, into: folder.resolvedStaging, replaceAtomically: false))
            }
        }

        // Everything is verified: stop what must not write during the
        // restore, and start it again whatever happens next.
        let guardian = try containerGuard()
        try guardian?.stop()
        defer {
            if let failures = guardian?.startAgain(), !failures.isEmpty {
                console.warn("containers still stopped: \(failures.joined(separator: ", "))")
            }
        }

        if mongoArtifact != nil {
            outcome.mongo = try restoreMongo(encryption, chain: mongoChain, options)
            outcome.restored.append((.mongo, "MongoDB"))
        }
        if let artifact = redisArtifact {
            try restoreRedis(encryption, artifact, of: manifest.id, overwrite: options.overwrite)
            outcome.restored.append((.redis, "Redis"))
        }
        if let (folder, counts) = staged {
            do {
                if let kept = try folder.commit() {
                    outcome.keptPrevious.append(kept)
                    console.info("  files: previous contents kept at \(kept)")
                }
            } catch {
                throw LifeboatError.wrap(error, doing: "swapping the restored files into \(folder.target)")
            }
            outcome.restored.append((.files, folder.target))
            console.info("  files: \(counts.countsDescription) → \(folder.target)")
        }
        if let (artifact, root) = configPlan {
            try LocalTier.makeDirectories(root)
            let counts = try extractVerified(encryption, artifact, of: manifest.id, into: root, replaceAtomically: true)
            outcome.restored.append((.config, root))
            console.info("  config: \(counts.countsDescription) → \(root == "/" ? "original paths" : root)")
        }
        return outcome
    }

    private func containerGuard() throws -> StopDuringRestore? {
        do {
            return try StopDuringRestore.make(settings, console: console)
        } catch {
            throw LifeboatError.wrap(error, doing: "preparing to stop containers for the restore")
        }
    }

    /// A first read of an artifact that cannot be staged (a database
    /// restore writes as it goes): its stored bytes must hash to the
    /// manifest's SHA-256 before anything is changed. Equal bytes are the
    /// bytes the backup wrote and checked; the archive's own CRCs are
    /// checked again while restoring.
    private func checkWhole(_ artifact: Manifest.Artifact, in id: BackupSetID) throws {
        do {
            let hashing = try HashingSource(openStored(artifact, of: id))
            try requireIntact(artifact, digest: hashing.finishHex(), bytes: hashing.count, tree: nil)
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.integrity("\(artifact.file) of set \(id) cannot be read: \(error); nothing was restored")
        }
    }

    /// Refuses before anything changes when the target Redis holds data
    /// and --overwrite was not given (the restore replaces all of it).
    private func checkRedisTarget(overwrite: Bool) throws {
        do {
            let endpoint = try RedisEndpoint(url: settings.redisURL!)
            let facts = try RedisServerFacts.read(endpoint)
            if facts.keys > 0 && !overwrite {
                throw LifeboatError.usage("the Redis at \(endpoint.host):\(endpoint.port) holds \(facts.keys) keys; a restore replaces all of them",
                                          hint: "pass --overwrite to replace them, or restore the other components with --components")
            }
        } catch {
            throw LifeboatError.wrap(error, doing: "checking the Redis to restore into")
        }
    }

    private func restoreRedis(_ encryption: Encryption, _ artifact: Manifest.Artifact, of id: BackupSetID, overwrite: Bool) throws {
        if settings.redisRestoreMethod == .file {
            return try restoreRedisFile(encryption, artifact, of: id, overwrite: overwrite)
        }
        do {
            let endpoint = try RedisEndpoint(url: settings.redisURL!)
            let summary = try artifact.redis ?? { throw LifeboatError(.dataError, "the manifest has no redis summary for \(artifact.file)") }()
            let source = try encryption.contents(of: artifact, from: openStored(artifact, of: id))
            let outcome = try RedisReplicationRestorer(endpoint: endpoint)
                .restore(from: source, length: summary.bytes, expected: summary, overwrite: overwrite)
            console.info("  redis: \(outcome.keys) keys loaded in \(String(format: "%.2f", outcome.seconds)) s (online, through replication)\(Self.describe(outcome.keyCheck))")
        } catch {
            throw LifeboatError.wrap(error, doing: "restoring redis")
        }
    }

    /// The guide's procedure, automated: stop the Redis container, put the
    /// RDB into its data directory through the Docker archive API, start it,
    /// wait until it answers with the data loaded, check the key count.
    private func restoreRedisFile(_ encryption: Encryption, _ artifact: Manifest.Artifact, of id: BackupSetID, overwrite: Bool) throws {
        let started = Date()
        do {
            let endpoint = try RedisEndpoint(url: settings.redisURL!)
            let summary = try artifact.redis ?? { throw LifeboatError(.dataError, "the manifest has no redis summary for \(artifact.file)") }()
            let facts = try RedisServerFacts.read(endpoint)
            if facts.appendOnly {
                throw LifeboatError.usage("Redis has AOF on (appendonly yes): on start it would load its AOF and ignore the restored RDB",
                                          hint: "use REDIS_RESTORE_METHOD=replication (the default), which rewrites the AOF, or turn AOF off for the restore")
            }
            if facts.keys > 0 && !overwrite {
                throw LifeboatError.usage("the Redis holds \(facts.keys) keys; a restore replaces all of them", hint: "pass --overwrite to replace them")
            }
            let stack = try StackContainers(settings)
            let container = try stack.service(settings.redisService)
            let rdb = try encryption.contents(of: artifact, from: openStored(artifact, of: id))
            if let dataDirectory = settings.redisDataDirectory {
                // The data folder is mounted here: write the file beside its
                // final name, then rename it over the old one while Redis is stopped.
                let upload = try LocalTier(root: dataDirectory).beginUpload(key: facts.dbFilename + ".lifeboat-restore")
                do {
                    try rdb.drain { try upload.write($0) }
                    try upload.commit()
                } catch {
                    upload.abort()
                    throw error
                }
                console.info("stopping \(container.name) to replace \(dataDirectory)/\(facts.dbFilename)")
                try stack.client.stop(container.Id, timeoutSeconds: 30)
                if rename(dataDirectory + "/" + facts.dbFilename + ".lifeboat-restore", dataDirectory + "/" + facts.dbFilename) != 0 {
                    let failure = SystemCallError("rename", path: dataDirectory + "/" + facts.dbFilename)
                    try? stack.client.start(container.Id)
                    throw failure
                }
            } else {
                let owner = try stack.client.owner(container.Id, path: facts.directory)
                // The tar goes through a temporary file: the archive API wants a
                // body, and the RDB must not be held in memory.
                let scratch = try ScratchFile(path: settings.backupDirectory + "/.lifeboat-restore-\(id)-redis.tar")
                try TreeArtifact.writeSingleFile(name: facts.dbFilename, size: summary.bytes, mode: 0o644, uid: owner.uid, gid: owner.gid,
                                                 from: rdb, to: scratch.sink)
                console.info("stopping \(container.name) to replace \(facts.directory)/\(facts.dbFilename)")
                try stack.client.stop(container.Id, timeoutSeconds: 30)
                do {
                    try stack.client.putArchive(container.Id, path: facts.directory, from: scratch.source())
                } catch {
                    try? stack.client.start(container.Id)
                    throw error
                }
            }
            try stack.client.start(container.Id)
            try stack.client.waitUntilReady(container.Id, timeoutSeconds: 120)
            let keys = try RedisServerFacts.waitUntilLoaded(endpoint, timeoutSeconds: 600)
            let check = summary.checkRestoredKeys(keys)
            guard check != .differs else {
                throw LifeboatError(.dataError, "after the restore Redis holds \(keys) keys; the snapshot held \(summary.totalKeys)")
            }
            console.info("  redis: \(keys) keys loaded, \(String(format: "%.1f", Date().timeIntervalSince(started))) s from stop to loaded (file, container \(container.name))\(Self.describe(check))")
        } catch {
            throw LifeboatError.wrap(error, doing: "restoring redis")
        }
    }

    /// The key check's words on the restore line (nothing when equal).
    static func describe(_ check: RedisSummary.KeyCheck) -> String {
        switch check {
        case .equal, .differs: return ""
        case .expiredSince(let n): return "; \(n) keys with a TTL expired since the snapshot"
        case .notChecked(let why): return "; key count not checked: \(why)"
        }
    }

    /// The sets whose MongoDB artifacts restore `manifest`'s state: its
    /// chain's full set, then each incremental up to it, every link found
    /// in this tier and continuous (each oplog starts where its parent ended).
    func mongoChain(ending manifest: Manifest) throws -> [Manifest] {
        var chain = [manifest]
        let catalog = SetCatalog(tier: tier)
        while let parentID = chain[0].parent {
            let parent: Manifest
            do {
                parent = try catalog.loadManifest(parentID)
            } catch {
                throw LifeboatError.integrity("set \(chain[0].id) depends on \(parentID), which is not in the \(tier.name) tier: the chain is broken",
                                              hint: "restore a set whose chain is whole (`lifeboat list` shows parents), or copy the missing set back")
            }
            if let start = chain[0].artifact(.mongo)?.mongo?.oplog?.start, let end = parent.artifact(.mongo)?.mongo?.oplog?.end, start != end {
                throw LifeboatError.integrity("set \(chain[0].id)'s oplog starts at \(start) but its parent \(parentID) ends at \(end): the chain has a gap")
            }
            chain.insert(parent, at: 0)
        }
        return chain
    }

    private func restoreMongo(_ encryption: Encryption, chain: [Manifest], _ options: Options) throws -> MongoRestorer.Outcome {
        let warn = console.warn
        var total: MongoRestorer.Outcome?
        for (index, link) in chain.enumerated() {
            let artifact = link.artifact(.mongo)!
            // The full set's data as asked (--drop); the incrementals only replay their oplog.
            let restorer = MongoRestorer(uri: settings.mongoURI!, options: .init(selection: options.mongoSelection, drop: index == 0 && options.drop,
                                                                                replayOplog: options.replayOplog,
                                                                                insertionWorkers: settings.mongoParallelCollections,
                                                                                oplogLimit: options.oplogLimit),
                                         warn: { warn($0) })
            do {
                let hashing = try HashingSource(openStored(artifact, of: link.id))
                let outcome = try restorer.restore(from: encryption.contents(of: artifact, from: hashing))
                if index == 0 {
                    console.info("  mongo: \(outcome.inserted) documents restored, \(outcome.failed) failed (duplicate keys), \(outcome.oplogApplied) oplog entries replayed")
                    total = outcome
                } else {
                    console.info("  mongo: \(outcome.oplogApplied) oplog entries replayed from \(link.id)")
                    total?.oplogApplied += outcome.oplogApplied
                }
            } catch {
                throw LifeboatError.wrap(error, doing: "restoring mongo from \(link.id)")
            }
            if let limit = options.oplogLimit, let end = artifact.mongo?.oplog?.end, end >= limit { break }
        }
        return total!
    }

    private func filesTarget(_ artifact: Manifest.Artifact, _ options: Options) throws -> String {
        if let destination = options.destination { return destination + "/files" }
        if let uploads = settings.uploadsDirectory { return uploads }
        if let original = artifact.tree?.sourcePaths.first { return original }
        throw LifeboatError.usage("cannot tell where to restore the files", hint: "set UPLOADS_DIR or pass --to DIR")
    }

    /// First pass over the config artifact: hash, structure, and conflicts.
    private func checkConfig(_ encryption: Encryption, _ artifact: Manifest.Artifact, in id: BackupSetID, root: String, overwrite: Bool) throws {
        var conflicts: [String] = []
        let prefix = root == "/" ? "" : root
        do {
            let hashing = try HashingSource(openStored(artifact, of: id))
            let found = try TreeArtifact.inspect(encryption.contents(of: artifact, from: hashing)) { name, entryIsDirectory in
                let path = prefix + "/" + name
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !(isDirectory.boolValue && entryIsDirectory) {
                    conflicts.append(path)
                }
            }
            try requireIntact(artifact, digest: hashing.finishHex(), bytes: hashing.count, tree: found)
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.integrity("\(artifact.file) of set \(id) cannot be read: \(error); nothing was restored")
        }
        if !conflicts.isEmpty && !overwrite {
            let shown = conflicts.prefix(10).joined(separator: ", ") + (conflicts.count > 10 ? ", … (\(conflicts.count) in all)" : "")
            throw LifeboatError.usage("restoring config would replace existing files: \(shown)",
                                      hint: "pass --overwrite to replace them, or restore with --to DIR to compare first")
        }
    }

    /// Extracts while hashing; throws an integrity error on any mismatch.
    /// An incremental's uploads: the last whole files artifact of its
    /// chain, then each later link in order: what its index no longer has
    /// (or has as another type) is deleted, then its changed entries are
    /// extracted over the tree. Everything happens in the staging folder,
    /// so a failure at any link leaves the live folder untouched.
    private func extractFilesChain(_ encryption: Encryption, ending manifest: Manifest, into root: String) throws -> TreeSummary {
        var links = [manifest]
        let catalog = SetCatalog(tier: tier)
        while let files = links[0].artifact(.files), files.delta == true {
            let baseID = files.deltaOf ?? links[0].parent
            guard let baseID, let parent = try? catalog.loadManifest(baseID), parent.artifact(.files)?.index != nil else {
                throw LifeboatError.integrity("the files of set \(links[0].id) build on \(baseID?.rawValue ?? "nothing"), which is missing or has no index here: the chain is broken")
            }
            links.insert(parent, at: 0)
        }
        var summary = try extractVerified(encryption, links[0].artifact(.files)!, of: links[0].id, into: root, replaceAtomically: false)
        var previous = try loadIndex(encryption, of: links[0])
        for link in links.dropFirst() {
            let current = try loadIndex(encryption, of: link)
            let gone = previous.filter { path, entry in current[path].map { $0.type != entry.type } ?? true }.keys
            for path in gone.sorted(by: { $0.count > $1.count }) {
                try? FileManager.default.removeItem(atPath: root + "/" + path)
            }
            let applied = try extractVerified(encryption, link.artifact(.files)!, of: link.id, into: root, replaceAtomically: true)
            console.info("  files: \(link.id): \(applied.countsDescription) changed, \(gone.count) removed")
            summary = applied
            previous = current
        }
        // Deleting and extracting touched folders: give each its recorded time again, deepest first.
        for entry in previous.values.filter({ $0.type == .directory }).sorted(by: { $0.path.count > $1.path.count }) {
            var times = [timespec(tv_sec: Int(entry.mtimeNanoseconds / 1_000_000_000), tv_nsec: Int(entry.mtimeNanoseconds % 1_000_000_000)),
                         timespec(tv_sec: Int(entry.mtimeNanoseconds / 1_000_000_000), tv_nsec: Int(entry.mtimeNanoseconds % 1_000_000_000))]
            _ = utimensat(AT_FDCWD, root + "/" + entry.path, &times, AT_SYMLINK_NOFOLLOW)
        }
        summary.files = previous.values.filter { $0.type == .file }.count
        summary.directories = previous.values.filter { $0.type == .directory }.count
        summary.symlinks = previous.values.filter { $0.type == .symlink }.count
        summary.hardlinks = 0
        summary.bytes = previous.values.filter { $0.type == .file }.reduce(0) { $0 + $1.size }
        return summary
    }

    /// A set's files index, checked against its manifest entry.
    private func loadIndex(_ encryption: Encryption, of manifest: Manifest) throws -> [String: TreeIndexEntry] {
        guard let artifact = manifest.artifact(.files), let reference = artifact.index else {
            throw LifeboatError.integrity("set \(manifest.id) has no files index")
        }
        var indexArtifact = artifact
        indexArtifact.file = reference.file
        do {
            let hashing = try HashingSource(tier.open(key: "\(manifest.id)/\(reference.file)"))
            let entries = try TreeIndex.load(encryption.contents(of: indexArtifact, from: hashing))
            try hashing.drain()
            guard try hashing.finishHex() == reference.sha256 else {
                throw LifeboatError.integrity("\(reference.file) of set \(manifest.id) does not match its manifest; nothing was changed")
            }
            return entries
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.wrap(error, doing: "reading \(reference.file) of set \(manifest.id)")
        }
    }

    private func extractVerified(_ encryption: Encryption, _ artifact: Manifest.Artifact, of id: BackupSetID, into root: String, replaceAtomically: Bool) throws -> TreeSummary {
        let hashing: HashingSource
        do {
            hashing = try HashingSource(openStored(artifact, of: id))
        } catch {
            throw LifeboatError.wrap(error, doing: "opening \(artifact.file)")
        }
        let found: TreeSummary
        do {
            found = try TreeArtifact.extract(encryption.contents(of: artifact, from: hashing), into: root, replaceAtomically: replaceAtomically)
        } catch {
            // A damaged stream fails here; say it is the set, not the disk, when it is.
            let digest = try? hashing.finishHex()
            if let digest, digest != artifact.sha256 {
                throw LifeboatError.integrity("\(artifact.file) of set \(id) is corrupt (SHA-256 \(digest), manifest \(artifact.sha256)); nothing was changed",
                                              hint: "restore another set; `lifeboat verify \(id)` records the failure")
            }
            throw LifeboatError.wrap(error, doing: "restoring \(artifact.component.rawValue)")
        }
        try requireIntact(artifact, digest: hashing.finishHex(), bytes: hashing.count, tree: found)
        return found
    }

    private func requireIntact(_ artifact: Manifest.Artifact, digest: String, bytes: UInt64, tree: TreeSummary?) throws {
        if digest != artifact.sha256 || Int64(bytes) != artifact.storedBytes {
            throw LifeboatError.integrity("\(artifact.file) does not match its manifest (SHA-256 \(digest), expected \(artifact.sha256)); nothing was changed",
                                          hint: "restore another set; `lifeboat verify` records the failure")
        }
        if let tree, let expected = artifact.tree, !expected.sameContents(as: tree) {
            throw LifeboatError.integrity("\(artifact.file) holds \(tree.countsDescription), the manifest says \(expected.countsDescription); nothing was changed")
        }
    }
}
