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

/// Takes one backup set.
///
/// Write order (docs/format.md): each artifact is streamed to a temporary
/// object and committed (fsync + rename on the local tier); only after
/// every artifact is committed is `manifest.json` written the same way.
/// Until then the set is incomplete: never listed, restored or verified,
/// and removed by the next backup or prune.
public struct BackupJob: Sendable {
    public let settings: Settings
    public let tier: LocalTier
    public let console: Console
    public let now: @Sendable () -> Date

    public init(settings: Settings, console: Console = .standardError, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.tier = LocalTier(root: settings.backupDirectory)
        self.console = console
        self.now = now
    }

    /// The components configured in the environment, for a backup with no
    /// `--components`.
    public static func configuredComponents(_ settings: Settings) -> [Component] {
        if let declared = settings.declaredComponents { return declared.compactMap(Component.init(rawValue:)).sorted() }
        return ComponentRegistry.handlers.filter { $0.isConfigured(settings) }.map(\.component)
    }

    /// Takes a set into the local tier, then copies it to each remote tier
    /// of `targets` (default: local, and S3 when configured). Without
    /// `local` among the targets the local copy is only a staging area,
    /// removed once every remote copy succeeded.
    public func run(components requested: [Component]?, label: String? = nil,
                    mongoSelection: NamespaceSelection = NamespaceSelection(), targets: [String]? = nil,
                    kind: SetKind = .full, captured: CapturedOplog? = nil) throws -> Manifest {
        let components = try checkedComponents(requested)
        if requested == nil {
            console.info("components: \(components.map(\.rawValue).joined(separator: ", "))"
                         + (settings.declaredComponents == nil ? " (found from MONGO_URI, REDIS_URL, UPLOADS_DIR, CONFIG_PATHS; BACKUP_COMPONENTS declares them)" : " (BACKUP_COMPONENTS)"))
            try requireNoMissingComponent(components)
        }
        let tiers = try Tiers(settings)
        let targets = targets ?? tiers.defaultTargets(settings)
        if targets.isEmpty {
            throw LifeboatError.usage("no tier to keep the set in", hint: "set AWS_S3_BUCKET, or BACKUP_LOCAL=true, or name tiers with --tier")
        }
        let remotes = try targets.filter { $0 != "local" }.map { try tiers.named($0) }
        let encryption = try EncryptionTarget(settings)
        do {
            try LocalTier.makeDirectories(settings.backupDirectory)
        } catch {
            throw LifeboatError.wrap(error, doing: "creating BACKUP_DIR \(settings.backupDirectory)")
        }
        let lock = try BackupLock(directory: settings.backupDirectory, purpose: "backup")
        defer { withExtendedLifetime(lock) {} }

        try removeIncompleteSets()

        var parent: Manifest?
        if kind == .incremental {
            parent = try incrementalParent(for: components)
            if parent == nil { console.warn("no set to build an incremental on: taking a full set") }
        }
        do {
            return try takeSet(components, label: label, mongoSelection: mongoSelection, encryption: encryption, parent: parent,
                               remotes: remotes, keepLocal: targets.contains("local"), captured: captured)
        } catch let error as MongoSourceError where error.kind == .gap {
            // A broken chain is worse than a bigger set.
            console.warn("\(error.message); taking a full set instead")
            return try takeSet(components, label: label, mongoSelection: mongoSelection, encryption: encryption, parent: nil,
                               remotes: remotes, keepLocal: targets.contains("local"))
        }
    }

    /// A backup of the configured components must not hold fewer than the
    /// newest complete full set: a component that vanished from the
    /// configuration (a misspelt or removed variable) fails the backup.
    func requireNoMissingComponent(_ components: [Component]) throws {
        guard let newest = try? SetCatalog(tier: tier).list().complete.last(where: { $0.manifest.kind == .full }) else { return }
        let missing = newest.manifest.components.filter { !components.contains($0) }
        guard !missing.isEmpty else { return }
        throw ComponentMissing(missing: missing, previous: newest.id)
    }

    /// A configured backup that would hold less than the last full set.
    public struct ComponentMissing: Error, Sendable {
        public let missing: [Component]
        public let previous: BackupSetID

        public var error: LifeboatError {
            let why = missing.map { "\($0.rawValue) (\($0.variable) is not set)" }.joined(separator: ", ")
            return LifeboatError(.usage, "COMPONENT_MISSING: the newest full set \(previous) holds \(missing.map(\.rawValue).joined(separator: ", ")), which this backup would not take: \(why); no set was taken",
                                 hint: "set the variable again (check its spelling), or take the rest on purpose: lifeboat backup --components <list>, or declare the components with BACKUP_COMPONENTS")
        }
    }

    /// The set an incremental builds on: the newest complete local set,
    /// when its MongoDB artifact (if MongoDB is backed up) ends at a known
    /// oplog position.
    func incrementalParent(for components: [Component]) throws -> Manifest? {
        guard let newest = try SetCatalog(tier: tier).list().complete.last(where: { $0.verificationState != .failed }) else { return nil }
        if components.contains(.mongo) {
            guard newest.manifest.artifact(.mongo)?.mongo?.oplog != nil else {
                console.warn("the newest set \(newest.id) has no oplog position (no replica set, or MONGO_OPLOG=false)")
                return nil
            }
        }
        return newest.manifest
    }

    private func takeSet(_ components: [Component], label: String?, mongoSelection: NamespaceSelection, encryption: EncryptionTarget,
                         parent: Manifest?, remotes: [any StorageTier], keepLocal: Bool, captured: CapturedOplog? = nil) throws -> Manifest {
        let startedAt = now()
        let kind: SetKind = parent == nil ? .full : .incremental
        let id = BackupSetID.make(at: startedAt, kind: kind)
        let chain = parent.map { " on \($0.id)" } ?? ""
        console.info("backup \(id)\(chain): \(components.map(\.rawValue).joined(separator: ", ")) → \(tier.location)")
        let local = tier
        let interrupted = Interruption.shared.register({
            FileManager.default.fileExists(atPath: local.root + "/\(id)/\(Manifest.fileName)")
                ? "set \(id) had just completed locally and is kept; copies to other tiers may be missing (`lifeboat copy \(id) --tier s3` makes them)"
                : "set \(id) is incomplete: it is not listed or restorable, its temporary files are removed, and the next backup or prune removes the rest"
        }, cleanup: { local.removeTemporaryFiles(under: id.rawValue) })
        defer { Interruption.shared.remove(interrupted) }
        var artifacts: [Manifest.Artifact] = []
        do {
            for component in components {
                let backup = ComponentBackup(settings: settings, tier: tier, console: console, setID: id, parent: parent,
                                             mongoSelection: mongoSelection, encryption: encryption, captured: captured)
                artifacts.append(try backUp(component, backup))
            }
            var manifest = Manifest(
                formatVersion: Manifest.currentFormatVersion, tool: .init(name: "lifeboat", version: LifeboatVersion.current),
                id: id, kind: kind, label: label, parent: parent?.id, base: parent.map { $0.base ?? $0.id },
                startedAt: startedAt, finishedAt: now(),
                host: ProcessInfo.processInfo.hostName, artifacts: artifacts, targets: (keepLocal ? ["local"] : []) + remotes.map(\.name),
                copies: [Manifest.Copy(tier: tier.name, location: tier.location, storageClass: nil, copiedAt: now())])
            let earlier = (try? SetCatalog(tier: tier).list().complete.map(\.manifest)) ?? []
            let anomalies = SizeAnomaly.find(manifest, earlier: earlier, dropPercent: settings.sizeDropPercent)
            if !anomalies.isEmpty {
                manifest.anomalies = anomalies
                for anomaly in anomalies { console.warn("BACKUP_SIZE_ANOMALY: \(anomaly.description)") }
            }
            try tier.put(key: "\(id)/\(Manifest.fileName)", bytes: try manifest.encoded())
            if manifest.artifact(.files)?.index != nil { FilesIndexOutput.pruneCache(settings.backupDirectory, keep: id) }
            // A set that left paths out says so on its last line, not only in the warnings above it.
            let leftOut = manifest.artifacts.reduce(0) { $0 + ($1.tree?.skipped.count ?? 0) }
            let leftOutNote = leftOut == 0 ? "" : "; \(leftOut) unreadable path(s) left out (BACKUP_SKIP_UNREADABLE=true; named above and in the manifest's \"skipped\")"
            console.info("backup \(id) complete: \(manifest.artifacts.count) artifacts, \(ByteCount.describe(manifest.storedBytes)) stored\(leftOutNote)")
            return try replicate(manifest, to: remotes, keepLocal: keepLocal)
        } catch let error as CopyFailure {
            throw error
        } catch let error as MongoSourceError where error.kind == .gap {
            try? tier.deleteAll(prefix: id.rawValue)
            throw error
        } catch {
            // Nothing of a failed set may remain: it would only be cleaned later.
            try? tier.deleteAll(prefix: id.rawValue)
            throw LifeboatError.wrap(error, doing: "backup \(id)")
        }
    }

    /// Oplog entries already read by a tail, for a slice (instead of
    /// querying the oplog): consecutive BSON documents, read once.
    public struct CapturedOplog {
        public var entries: any ByteSource
        public var end: BSONTimestamp
        public init(entries: any ByteSource, end: BSONTimestamp) {
            self.entries = entries
            self.end = end
        }
    }

    /// A set that is complete locally but did not reach every remote tier
    /// (the daemon counts it as a failed copy, not a failed backup).
    public struct CopyFailure: Error, CustomStringConvertible, Sendable {
        public let manifest: Manifest
        public let error: LifeboatError
        public var description: String { error.description }
    }

    /// Copies a complete local set to the remote tiers (each copy's
    /// manifest is the local one, byte for byte: it is never rewritten).
    /// The copies run at once, one thread each, so three targets take about
    /// as long as the slowest; one that fails does not stop the others.
    func replicate(_ manifest: Manifest, to remotes: [any StorageTier], keepLocal: Bool) throws -> Manifest {
        guard !remotes.isEmpty else { return manifest }
        var copies = manifest.copies ?? []
        var failures: [LifeboatError] = []
        for (remote, result) in zip(remotes, SetCopier.copyConcurrently(manifest, from: tier, to: remotes, console: console, now: now())) {
            switch result {
            case .success(let entry): copies = SetCopier.merged(copies, entry)
            case .failure(let error): failures.append(LifeboatError.wrap(error, doing: "copying \(manifest.id) to \(remote.name)"))
            }
        }
        let dropLocal = !keepLocal && failures.isEmpty
        if dropLocal { copies.removeAll { $0.tier == tier.name } }
        var final = manifest
        final.copies = copies
        if dropLocal {
            try tier.delete(key: "\(manifest.id)/\(Manifest.fileName)")
            try tier.deleteAll(prefix: manifest.id.rawValue)
            console.info("BACKUP_LOCAL=false: the local copy of \(manifest.id) was removed after its remote copies")
        }
        if !failures.isEmpty {
            let missed = remotes.map(\.name).filter { name in !copies.contains { $0.tier == name } }
            let kept = keepLocal ? "" : " (kept although BACKUP_LOCAL=false, as the only complete copy)"
            throw CopyFailure(manifest: final, error: LifeboatError(.failure,
                "set \(manifest.id) is complete in the local tier\(kept), but " + failures.map(\.message).joined(separator: "; "),
                hint: (failures.first?.hint.map { $0 + "; then " } ?? "fix the tier and ") + "run `lifeboat copy \(manifest.id) --tier \(missed.joined(separator: ","))` (the service retries it at its next run)"))
        }
        return final
    }

    private func checkedComponents(_ requested: [Component]?) throws -> [Component] {
        let components = requested ?? Self.configuredComponents(settings)
        if components.isEmpty {
            throw LifeboatError.usage("nothing to back up: no component is configured",
                                      hint: "set one or more of " + Component.allCases.map { "\($0.variable) (component '\($0.rawValue)')" }.joined(separator: ", "))
        }
        for component in components where !component.handler.isConfigured(settings) {
            throw LifeboatError.usage("component '\(component.rawValue)' needs \(component.variable)", hint: component.handler.configureHint)
        }
        return components
    }

    func removeIncompleteSets() throws {
        for id in try SetCatalog(tier: tier).list().incomplete {
            console.warn("removing incomplete set \(id) (an interrupted backup)")
            try tier.deleteAll(prefix: id.rawValue)
        }
    }

    /// One artifact: source → compress → (hand-off thread) → SHA-256 → tier.
    private func backUp(_ component: Component, _ backup: ComponentBackup) throws -> Manifest.Artifact {
        let id = backup.setID
        let encryption = backup.encryption
        let compression = settings.compression
        let file = component.fileName(compression.algorithm) + (encryption.isEnabled ? ".age" : "")
        let upload = try tier.beginUpload(key: "\(id)/\(file)")
        let began = Date()
        do {
            // Hashing and writing run on their own thread, so reading and
            // compressing never wait for the disk.
            let hashing = try HashingSink(upload)
            let handoff = ThreadedSink(hashing)
            var artifact = Manifest.Artifact(component: component, file: file, format: component.format, compression: compression.algorithm,
                                             compressionLevel: compression.algorithm == .none ? nil : compression.level,
                                             rawBytes: 0, storedBytes: 0, sha256: "")
            do {
                // Encryption sits between compression and the hand-off, so
                // no plaintext byte reaches the tier.
                let encryptor = try encryption.sink(into: handoff)
                // A component read back in parts (files) is written as
                // independent frames, compressed several at once; so is any
                // gzip artifact (zlib has no threads of its own; a stream of
                // gzip members is what `gzip -d`, `tar xzf` and
                // `mongorestore --gzip` read), as pigz does.
                let inFrames = component.handler.independentFrames || compression.algorithm == .gzip
                let framed = inFrames ? try ParallelFrameCompressor(compression, into: encryptor ?? handoff) : nil
                let compressor: any CompressingSink = try framed ?? Compressors.make(compression, into: encryptor ?? handoff)
                console.meter?.begin(component.rawValue)
                let raw = CountingSink(console.meter.map { ProgressSink(compressor, meter: $0) } ?? compressor)
                var backup = backup
                backup.frames = component.handler.independentFrames ? framed : nil
                try component.handler.backUp(backup, into: raw, artifact: &artifact)
                try compressor.finish()
                try encryptor?.finish()
                try handoff.close()
                if encryption.isEnabled { artifact.encryption = try encryption.summary() }
                artifact.rawBytes = Int64(raw.count)
            } catch {
                handoff.cancel()
                throw error
            }
            artifact.sha256 = try hashing.finalizeHex()
            artifact.storedBytes = Int64(hashing.count)
            try upload.commit()
            artifact.seconds = (Date().timeIntervalSince(began) * 1000).rounded() / 1000
            console.info("  \(component.rawValue): \(Self.describe(artifact)) → \(file) (\(ByteCount.describe(artifact.storedBytes)))")
            return artifact
        } catch {
            upload.abort()
            throw error
        }
    }

    static func describe(_ artifact: Manifest.Artifact) -> String {
        artifact.component.handler.describe(artifact)
    }
}
