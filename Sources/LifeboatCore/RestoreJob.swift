import ByteStreams
import DockerEngine
import LifeboatConfiguration
import FileSources
import Foundation
import LifeboatCrypto
import MongoArchive
import MongoSource
import RawBSON
import RedisSource
import Storage
import StreamCompression
import Synchronization

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
        /// Insert only documents whose _id is not there yet (MongoDB), counted.
        public var merge = false
        /// Stop the labelled containers (true), leave them (false), or
        /// decide from whether the restore writes live data (nil).
        public var stopContainers: Bool?

        /// What happens to MongoDB collections that already hold documents.
        public enum MongoMode: Sendable { case refuseExisting, replace, merge }
        public var mongoMode: MongoMode { drop || overwrite ? .replace : merge ? .merge : .refuseExisting }

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
        /// What the final line must say besides "restored" (kept documents, expired keys).
        public var notes: [String] = []
    }

    public func run(_ reference: String?, options: Options) throws -> Outcome {
        let entry = try SetCatalog(tier: tier).resolve(reference)
        guard tier.isLocal else { return try runFromRemote(entry, options: options) }
        return try run(entry, options: options)
    }

    /// A remote copy is first downloaded into a staging folder under
    /// BACKUP_DIR, every artifact checked against the manifest on the way;
    /// only a whole, matching set is restored from. The staging copy goes
    /// afterwards, whatever the outcome.
    private func runFromRemote(_ entry: CatalogEntry, options: Options) throws -> Outcome {
        let components = options.components ?? entry.manifest.components
        let stagingRoot = settings.backupDirectory + "/.lifeboat-fetch-\(getpid())"
        let staging = LocalTier(root: stagingRoot)
        let interrupted = Interruption.shared.register({ "the download of \(entry.id) from \(tier.name) is removed; nothing was restored from it yet" },
                                                      cleanup: { try? FileManager.default.removeItem(atPath: stagingRoot) })
        defer {
            Interruption.shared.remove(interrupted)
            try? FileManager.default.removeItem(atPath: stagingRoot)
        }
        // The set and the links its chain needs, each with only the chosen
        // components' artifacts, checked on the way. A component whose
        // artifact failed its last verification is refused by the local
        // run below, from the remote record.
        var links = [entry.manifest]
        let catalog = SetCatalog(tier: tier)
        while let parent = links.last?.parent, components.contains(where: { [.mongo, .files].contains($0) }) {
            guard let manifest = try? catalog.loadManifest(parent) else { break }
            links.append(manifest)
        }
        let wanted = components.filter { entry.verification?.failed($0) != true }
        if wanted.isEmpty {
            throw Self.refusal(entry.manifest, refusals: components.compactMap { c in Self.recordedFailure(c, entry.manifest, entry.verification).map { (c, $0) } },
                               restorable: [])
        }
        console.info("downloading \(entry.id) (\(wanted.map(\.rawValue).joined(separator: ", "))\(links.count > 1 ? ", and \(links.count - 1) earlier link(s) of its chain" : "")) from \(tier.name) (\(tier.location)) and checking it before anything is restored…")
        for link in links.reversed() {
            _ = try SetCopier(console: console).copy(link, from: tier, to: staging, components: wanted.filter { link.artifact($0) != nil })
        }
        let local = RestoreJob(settings: settings, tier: staging, console: console)
        let staged = try SetCatalog(tier: staging).resolve(entry.id.rawValue)
        return try local.run(CatalogEntry(id: staged.id, tier: staged.tier, manifest: staged.manifest, verification: entry.verification), options: options)
    }

    /// An artifact's stored bytes, counted on the progress line when there is one.
    func openStored(_ artifact: Manifest.Artifact, of id: BackupSetID) throws -> any ByteSource {
        let stored = try tier.open(key: "\(id)/\(artifact.file)")
        guard let meter = console.meter else { return stored }
        meter.begin("restore \(artifact.component.rawValue)")
        return ProgressSource(stored, meter: meter)
    }

    /// What a restore will do for one component, decided (and every
    /// artifact it reads checked) before anything live is changed.
    private enum Plan {
        case mongo(chain: [Manifest], live: Bool)
        case redis(Manifest.Artifact, live: Bool)
        case files(FolderSwap, TreeSummary, live: Bool)
        case config(Manifest.Artifact, root: String, live: Bool)

        var component: Component {
            switch self {
            case .mongo: return .mongo
            case .redis: return .redis
            case .files: return .files
            case .config: return .config
            }
        }

        var live: Bool {
            switch self {
            case .mongo(_, let live), .redis(_, let live), .files(_, _, let live), .config(_, _, let live): return live
            }
        }
    }

    /// A restore of several components in which some failed: what was
    /// restored, and each failure. Thrown after every component was tried.
    public struct PartialFailure: Error, Sendable {
        public var outcome: Outcome
        public var failures: [(Component, LifeboatError)]

        /// The status of the most serious failure (integrity over data over the rest).
        public var error: LifeboatError {
            let order: [ExitStatus] = [.verificationFailed, .dataError, .ioError, .usage, .failure]
            let worst = failures.min { (order.firstIndex(of: $0.1.status) ?? order.count) < (order.firstIndex(of: $1.1.status) ?? order.count) }!
            let restored = outcome.restored.map(\.0.rawValue)
            let failed = failures.map(\.0.rawValue)
            return LifeboatError(worst.1.status, "restore of \(outcome.id) incomplete: restored \(restored.isEmpty ? "nothing" : restored.joined(separator: ", ")); NOT restored: \(failed.joined(separator: ", "))",
                                 hint: "fix what each failure above says and restore the rest: lifeboat restore \(outcome.id) --components \(failed.joined(separator: ","))")
        }
    }

    func run(_ entry: CatalogEntry, options: Options) throws -> Outcome {
        let encryption = try Encryption(settings)
        let manifest = entry.manifest
        let components = (options.components ?? manifest.components).sorted()
        for component in components where manifest.artifact(component) == nil {
            throw LifeboatError.usage("set \(manifest.id) has no '\(component.rawValue)' component",
                                      hint: "it holds: \(manifest.components.map(\.rawValue).joined(separator: ", "))")
        }
        if let destination = options.destination, !destination.hasPrefix("/") {
            throw LifeboatError.usage("--to must be an absolute path, got '\(destination)'")
        }
        console.info("restore \(manifest.id) from \(tier.location): \(components.map(\.rawValue).joined(separator: ", "))")

        // Decide everything first: every artifact checked, every target
        // looked at. Any refusal stops the restore before anything changes.
        var plans: [Plan] = []
        var refusals: [(Component, LifeboatError)] = []
        defer {
            for case .files(let swap, _, _) in plans { swap.discard() }
        }
        for component in components {
            do {
                if let failure = Self.recordedFailure(component, manifest, entry.verification) { throw failure }
                plans.append(try plan(component, manifest, encryption, options))
            } catch {
                refusals.append((component, LifeboatError.wrap(error, doing: "preparing the \(component.rawValue) restore")))
            }
        }
        if !refusals.isEmpty {
            throw Self.refusal(manifest, refusals: refusals, restorable: plans.map(\.component))
        }

        // Only a restore into the live data stops what writes to it.
        let live = plans.filter(\.live).map(\.component)
        let stop = options.stopContainers ?? !live.isEmpty
        var outcome = Outcome(id: manifest.id)
        let guardian = stop ? try containerGuard() : nil
        if !stop, settings.stopDuringRestore, options.stopContainers == nil {
            console.info("containers are left running: this restore writes none of the places the set was taken from; --stop-containers stops them anyway")
        }
        try guardian?.stop()
        defer {
            if let failures = guardian?.startAgain(), !failures.isEmpty {
                console.warn("containers still stopped: \(failures.joined(separator: ", "))")
            }
        }

        // An interruption from here on: say what may be half done, and
        // remove the staged uploads (the live folder was not swapped yet).
        // Once the swap begins, the staging folder is the restore's only
        // copy of what is not moved yet: it stays.
        let staged = plans.compactMap { plan -> String? in if case .files(let swap, _, _) = plan { return swap.stagingPath } else { return nil } }
        let swapping = Mutex(false)
        let interrupted = Interruption.shared.register({
            "the restore of \(manifest.id) stopped part way: a component restored before the signal is in place, the one in progress may be partly written (run the same restore again, with --overwrite)"
                + (swapping.withLock { $0 } ? "" : "; staged uploads are removed, the live folder is as it was")
        }, cleanup: {
            guard !swapping.withLock({ $0 }) else { return }
            for path in staged { try? FileManager.default.removeItem(atPath: path) }
        })
        defer { Interruption.shared.remove(interrupted) }

        // Then each component; a failure does not stop the others.
        var failures: [(Component, LifeboatError)] = []
        for plan in plans {
            if case .files = plan { swapping.withLock { $0 = true } }
            do {
                try apply(plan, manifest, encryption, options, into: &outcome)
            } catch {
                let wrapped = LifeboatError.wrap(error, doing: "restoring \(plan.component.rawValue)")
                console.warn("\(plan.component.rawValue) NOT restored: \(wrapped.message)")
                failures.append((plan.component, wrapped))
            }
        }
        if !failures.isEmpty { throw PartialFailure(outcome: outcome, failures: failures) }
        return outcome
    }

    /// The refusal for a component whose artifact failed its last verification.
    static func recordedFailure(_ component: Component, _ manifest: Manifest, _ verification: VerificationRecord?) -> LifeboatError? {
        guard let verification, verification.failed(component), let artifact = manifest.artifact(component) else { return nil }
        let why = verification.artifacts?.first { $0.component == component }?.problems.first ?? verification.problems.first ?? "see `lifeboat list`"
        return LifeboatError.integrity("\(artifact.file) failed its last verification (\(why))",
                                       hint: "run `lifeboat verify \(manifest.id)` again if the storage was repaired")
    }

    /// One refusal naming each component's problem and what can go ahead.
    static func refusal(_ manifest: Manifest, refusals: [(Component, LifeboatError)], restorable: [Component]) -> LifeboatError {
        let lines = refusals.map { "\($0.0.rawValue): \($0.1.message)" + (refusals.count > 1 ? $0.1.hint.map { " (\($0))" } ?? "" : "") }
        let status = refusals.contains { $0.1.status == .verificationFailed } ? ExitStatus.verificationFailed
            : refusals.contains { $0.1.status == .dataError } ? .dataError : refusals[0].1.status
        var hint = refusals.count == 1 ? refusals[0].1.hint : nil
        if !restorable.isEmpty {
            hint = "the other components can be restored on their own: lifeboat restore \(manifest.id) --components \(restorable.map(\.rawValue).joined(separator: ","))"
                + (hint.map { "; or \($0)" } ?? "")
        }
        return LifeboatError(status, "restore of \(manifest.id) refused, nothing was changed:\n  " + lines.joined(separator: "\n  "), hint: hint)
    }

    private func plan(_ component: Component, _ manifest: Manifest, _ encryption: Encryption, _ options: Options) throws -> Plan {
        let artifact = manifest.artifact(component)!
        switch component {
        case .files:
            let target = try filesTarget(artifact, options)
            let swap: FolderSwap
            do {
                swap = try FolderSwap(target: target, tag: manifest.id.rawValue, overwrite: options.overwrite)
            } catch {
                throw LifeboatError.wrap(error, doing: "restoring files")
            }
            do {
                let counts = artifact.delta == true
                    ? try extractFilesChain(encryption, ending: manifest, into: swap.resolvedStaging)
                    : try extractVerified(encryption, artifact, of: manifest.id, into: swap.resolvedStaging, replaceAtomically: false)
                return .files(swap, counts, live: options.destination == nil)
            } catch {
                swap.discard()
                throw error
            }
        case .config:
            let root = options.destination.map { $0 + "/config" } ?? "/"
            try checkConfig(encryption, artifact, in: manifest.id, root: root, overwrite: options.overwrite)
            return .config(artifact, root: root, live: options.destination == nil)
        case .mongo:
            guard let uri = settings.mongoURI else {
                throw LifeboatError.usage("restoring 'mongo' needs MONGO_URI", hint: "set MONGO_URI to the server to restore into")
            }
            let chain = try mongoChain(ending: manifest)
            for link in chain {
                try checkWhole(link.artifact(.mongo)!, in: link.id)
            }
            let base = chain[0].artifact(.mongo)?.mongo
            let selected = (base?.namespaces ?? []).compactMap { summary -> (Namespace, Namespace)? in
                guard let namespace = Namespace(summary.namespace), options.mongoSelection.selects(namespace) else { return nil }
                return (namespace, options.mongoSelection.target(of: namespace))
            }
            if selected.isEmpty, base?.namespaces.isEmpty == false {
                throw LifeboatError.usage("no namespace of set \(manifest.id) matches the selection (--ns, --ns-exclude, --ns-from)",
                                          hint: "it holds: \((base?.namespaces ?? []).prefix(10).map(\.namespace).joined(separator: ", "))")
            }
            try checkMongoTargets(uri: uri, targets: selected.map(\.1), options: options)
            // Live: the server the set came from (or an unknown one), and a
            // target in one of the set's own databases.
            let setDatabases = Set((base?.namespaces ?? []).compactMap { Namespace($0.namespace)?.db })
            let sameServer = artifact.source == nil || artifact.source == ServerIdentity.mongo(uri)
            let live = sameServer && selected.contains { setDatabases.contains($0.1.db) }
            return .mongo(chain: chain, live: live)
        case .redis:
            guard let url = settings.redisURL else {
                throw LifeboatError.usage("restoring 'redis' needs REDIS_URL", hint: "set REDIS_URL to the server to restore into")
            }
            try checkWhole(artifact, in: manifest.id)
            try checkRedisTarget(overwrite: options.overwrite)
            let endpoint = try? RedisEndpoint(url: url)
            let live = artifact.source == nil || endpoint.map { ServerIdentity.redis(host: $0.host, port: $0.port) } == artifact.source
            return .redis(artifact, live: live)
        }
    }

    /// Restoring into a namespace that holds documents replaces them
    /// (--overwrite, or its synonym --drop) or merges into them (--merge);
    /// with neither it is refused, naming what is there.
    private func checkMongoTargets(uri: String, targets: [Namespace], options: Options) throws {
        guard options.mongoMode == .refuseExisting else { return }
        let occupied = try MongoServerProbe.existing(uri: uri, namespaces: targets).filter { ($0.documents ?? 1) > 0 }
        guard !occupied.isEmpty else { return }
        let shown = occupied.prefix(8).map { "\($0.namespace) (\($0.documents.map { "\($0) documents" } ?? "a view"))" }.joined(separator: ", ")
            + (occupied.count > 8 ? ", … (\(occupied.count) in all)" : "")
        throw LifeboatError.usage("MongoDB already holds \(shown)",
                                  hint: "pass --overwrite to replace those collections with the set's, or --merge to insert only the documents whose _id is not there; or restore under other names with --ns-from/--ns-to")
    }

    private func apply(_ plan: Plan, _ manifest: Manifest, _ encryption: Encryption, _ options: Options, into outcome: inout Outcome) throws {
        switch plan {
        case .mongo(let chain, _):
            let result = try restoreMongo(encryption, chain: chain, options)
            outcome.mongo = result
            outcome.restored.append((.mongo, "MongoDB"))
            if options.mongoMode == .merge, result.failed > 0 {
                outcome.notes.append("mongo: \(result.failed) documents already there were kept (--merge)")
            }
        case .redis(let artifact, _):
            let check = try restoreRedis(encryption, artifact, of: manifest.id, overwrite: options.overwrite)
            outcome.restored.append((.redis, "Redis"))
            switch check {
            case .expiredSince(let n): outcome.notes.append("redis: \(n) keys with a TTL had expired since the snapshot")
            case .notChecked(let why): outcome.notes.append("redis: key count not checked, \(why)")
            case .equal, .differs: break
            }
        case .files(let folder, let counts, _):
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
        case .config(let artifact, let root, _):
            try LocalTier.makeDirectories(root)
            let counts = try extractVerified(encryption, artifact, of: manifest.id, into: root, replaceAtomically: true)
            outcome.restored.append((.config, root))
            console.info("  config: \(counts.countsDescription) → \(root == "/" ? "original paths" : root)")
        }
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

    private func restoreRedis(_ encryption: Encryption, _ artifact: Manifest.Artifact, of id: BackupSetID, overwrite: Bool) throws -> RedisSummary.KeyCheck {
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
            return outcome.keyCheck
        } catch {
            throw LifeboatError.wrap(error, doing: "restoring redis")
        }
    }

    /// The guide's procedure, automated: stop the Redis container, put the
    /// RDB into its data directory through the Docker archive API, start it,
    /// wait until it answers with the data loaded, check the key count.
    private func restoreRedisFile(_ encryption: Encryption, _ artifact: Manifest.Artifact, of id: BackupSetID, overwrite: Bool) throws -> RedisSummary.KeyCheck {
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
            return check
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
        let replace = options.mongoMode == .replace
        for (index, link) in chain.enumerated() {
            let artifact = link.artifact(.mongo)!
            // The full set's data as asked (replaced or merged); the incrementals only replay their oplog.
            let restorer = MongoRestorer(uri: settings.mongoURI!, options: .init(selection: options.mongoSelection, drop: index == 0 && replace,
                                                                                replayOplog: options.replayOplog,
                                                                                insertionWorkers: settings.mongoParallelCollections,
                                                                                oplogLimit: options.oplogLimit),
                                         warn: { warn($0) })
            let outcome: MongoRestorer.Outcome
            do {
                let hashing = try HashingSource(openStored(artifact, of: link.id))
                outcome = try restorer.restore(from: encryption.contents(of: artifact, from: hashing))
            } catch {
                throw LifeboatError.wrap(error, doing: "restoring mongo from \(link.id)")
            }
            if index == 0 {
                let kept = options.mongoMode == .merge ? ", \(outcome.failed) already there kept (--merge)" : ""
                console.info("  mongo: \(outcome.inserted) documents restored\(kept), \(outcome.oplogApplied) oplog entries replayed")
                try crossCheck(outcome, against: artifact, in: link.id, mode: options.mongoMode)
                total = outcome
            } else {
                console.info("  mongo: \(outcome.oplogApplied) oplog entries replayed from \(link.id)")
                total?.oplogApplied += outcome.oplogApplied
            }
            if let limit = options.oplogLimit, let end = artifact.mongo?.oplog?.end, end >= limit { break }
        }
        return total!
    }

    /// What was restored against what the manifest says the set holds, per
    /// namespace, as verify compares: every document inserted (or, with
    /// --merge, inserted or already there). Any difference fails the component.
    private func crossCheck(_ outcome: MongoRestorer.Outcome, against artifact: Manifest.Artifact, in id: BackupSetID,
                            mode: Options.MongoMode) throws {
        guard let summary = artifact.mongo else { return }
        let expected = Dictionary(summary.namespaces.map { ($0.namespace, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        for restored in outcome.namespaces where restored.type != "view" {
            guard let want = expected[restored.source] else {
                problems.append("\(restored.source) is in the archive but not in the manifest")
                continue
            }
            let accounted = mode == .merge ? restored.inserted + restored.duplicates : restored.inserted
            if accounted != want.documents {
                let what = mode == .merge ? "\(restored.inserted) inserted and \(restored.duplicates) already there" : "\(restored.inserted) documents restored"
                problems.append("\(restored.target): \(what)\(mode != .merge && restored.duplicates > 0 ? ", \(restored.duplicates) refused as duplicates" : ""), the manifest says \(want.documents)")
            }
        }
        guard problems.isEmpty else {
            throw LifeboatError(.dataError, "the MongoDB restore of \(id) does not match its manifest: " + problems.prefix(10).joined(separator: "; "),
                                hint: "`lifeboat verify \(id)` checks the set; restore another set if it fails")
        }
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
