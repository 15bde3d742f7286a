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

/// Restores components of a set, changing nothing live until every
/// component's restore is prepared: every artifact it reads checked, every
/// target looked at (each component's `PreparedRestore` says how). Then the
/// stack's containers are stopped when live data is written, and each
/// component is applied; a failure does not stop the others.
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
        /// How Redis is restored (nil: REDIS_RESTORE_METHOD).
        public var redisMethod: RedisSettings.RestoreMethod?

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
        do {
            return try runOrReportUnusable(reference, options: options)
        } catch let unusable as UnusableCopy {
            throw unusable.error
        }
    }

    /// The same, but a copy that cannot be used (and changed nothing) is
    /// thrown as `UnusableCopy`, for a caller that has another copy to try
    /// (`RestoreFallback`).
    public func runOrReportUnusable(_ reference: String?, options: Options) throws -> Outcome {
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
        // A missing link stops the download, not the restore: a component
        // that stands alone needs none, and the local run refuses a broken
        // chain for those that do, naming the link.
        let links = components.contains(where: { $0.handler.followsChain })
            ? try SetChain.links(ending: entry.manifest, in: SetCatalog(tier: tier), next: \.parent, missing: { _, _ in nil })
            : [entry.manifest]
        let wanted = components.filter { entry.verification?.failed($0) != true }
        if wanted.isEmpty {
            throw Self.refusal(entry.manifest, refusals: components.compactMap { c in Self.recordedFailure(c, entry.manifest, entry.verification).map { (c, $0) } },
                               restorable: [])
        }
        console.info("downloading \(entry.id) (\(wanted.map(\.rawValue).joined(separator: ", "))\(links.count > 1 ? ", and \(links.count - 1) earlier link(s) of its chain" : "")) from \(tier.name) (\(tier.location)) and checking it before anything is restored…")
        do {
            for link in links {
                _ = try SetCopier(console: console).copy(link, from: tier, to: staging, components: wanted.filter { link.artifact($0) != nil })
            }
        } catch {
            // Unreachable, or bytes that do not match: nothing was restored.
            throw UnusableCopy(tier: tier.name, error: LifeboatError.wrap(error, doing: "downloading \(entry.id) from the \(tier.name) tier"))
        }
        let local = RestoreJob(settings: settings, tier: staging, console: console)
        let staged = try SetCatalog(tier: staging).resolve(entry.id.rawValue)
        do {
            return try local.run(CatalogEntry(id: staged.id, tier: staged.tier, manifest: staged.manifest, verification: entry.verification), options: options) as Outcome
        } catch let unusable as UnusableCopy {
            throw UnusableCopy(tier: tier.name, error: unusable.error)
        }
    }

    /// The copy in this tier cannot be restored from (the tier could not
    /// be read, an artifact does not match its manifest, or its last
    /// verification failed), and nothing was changed: another tier's copy
    /// of the same set may be used instead.
    public struct UnusableCopy: Error, Sendable {
        public let tier: String
        public let error: LifeboatError
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
        var plans: [any PreparedRestore] = []
        var refusals: [(Component, LifeboatError)] = []
        defer {
            for plan in plans { plan.discard() }
        }
        let context = ComponentRestore(settings: settings, tier: tier, console: console, encryption: encryption, options: options, manifest: manifest)
        for component in components {
            do {
                if let failure = Self.recordedFailure(component, manifest, entry.verification) { throw failure }
                plans.append(try component.handler.prepareRestore(context))
            } catch {
                refusals.append((component, LifeboatError.wrap(error, doing: "preparing the \(component.rawValue) restore")))
            }
        }
        if !refusals.isEmpty {
            let refusal = Self.refusal(manifest, refusals: refusals, restorable: plans.map(\.component))
            if refusals.contains(where: { $0.1.status == .verificationFailed }) { throw UnusableCopy(tier: tier.name, error: refusal) }
            throw refusal
        }

        // Only a restore into the live data stops what writes to it.
        let live = plans.filter(\.live).map(\.component)
        let stop = options.stopContainers ?? !live.isEmpty
        var outcome = Outcome(id: manifest.id)
        let guardian = stop ? try containerGuard() : nil
        if !stop, settings.docker.stopDuringRestore, options.stopContainers == nil {
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
        let staged = plans.compactMap(\.staging)
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
            if plan.staging != nil { swapping.withLock { $0 = true } }
            do {
                try plan.apply(into: &outcome)
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

    private func containerGuard() throws -> StopDuringRestore? {
        do {
            return try StopDuringRestore.make(settings, console: console)
        } catch {
            throw LifeboatError.wrap(error, doing: "preparing to stop containers for the restore")
        }
    }
}
