import ByteStreams
import LifeboatConfiguration
import Foundation
import LifeboatCrypto
import S3Storage
import Storage
import Synchronization

/// Copies a complete set from one tier to another in the set's own write
/// order: every artifact streamed across and checked against the manifest
/// (SHA-256 and size of what was read; the target checks what it received),
/// then the manifest. Until the manifest lands the copy is incomplete and
/// never listed; a failed copy is removed from the target.
public struct SetCopier: Sendable {
    public let console: Console

    public init(console: Console = .standardError) { self.console = console }

    /// With `components`, only their artifacts are copied (a restore's
    /// download: a damaged artifact of another component is not read);
    /// such a partial copy is for staging only, never a tier's copy.
    public func copy(_ manifest: Manifest, from source: any StorageTier, to target: any StorageTier, now: Date = Date(),
                     components: [Component]? = nil) throws -> Manifest.Copy {
        let id = manifest.id
        let started = Date()
        do {
            // Leftovers of an earlier, interrupted copy of this set.
            try target.deleteAll(prefix: id.rawValue)
            for artifact in manifest.artifacts where components?.contains(artifact.component) ?? true {
                try copyObject(artifact.file, sha256: artifact.sha256, bytes: artifact.storedBytes, of: id, from: source, to: target)
                if let index = artifact.index {
                    try copyObject(index.file, sha256: index.sha256, bytes: index.storedBytes, of: id, from: source, to: target)
                }
            }
            // The manifest last, as the source stores it (the commit marker
            // is the same bytes in every tier), once it is the one copied.
            let key = "\(id)/\(Manifest.fileName)"
            let stored = try source.get(key: key)
            let storedManifest = try Manifest.decode(stored, origin: "\(source.name) \(key)")
            guard storedManifest.id == id, storedManifest.artifacts == manifest.artifacts else {
                throw LifeboatError.integrity("the \(source.name) tier's \(key) changed while it was being copied",
                                              hint: "run `lifeboat copy \(id) --tier \(target.name)` again")
            }
            try target.put(key: key, bytes: stored)
            let entry = Manifest.Copy(tier: target.name, location: target.location,
                                      storageClass: target.storageClass, copiedAt: now)
            let seconds = Date().timeIntervalSince(started)
            console.info("copied \(id) to \(target.name) (\(target.location)): \(ByteCount.describe(manifest.storedBytes)) in \(String(format: "%.1f", seconds)) s")
            return entry
        } catch {
            try? target.deleteAll(prefix: id.rawValue)
            throw LifeboatError.wrap(error, doing: "copying to the \(target.name) tier")
        }
    }

    private func copyObject(_ file: String, sha256: String, bytes: Int64, of id: BackupSetID, from source: any StorageTier, to target: any StorageTier) throws {
        let key = "\(id)/\(file)"
        console.meter?.begin("copy \(file) to \(target.name)")
        let opened = try source.open(key: key)
        let reading = try HashingSource(console.meter.map { ProgressSource(opened, meter: $0) } ?? opened)
        let upload = try target.beginUpload(key: key)
        do {
            try reading.drain(chunkSize: 1 << 20) { try upload.write($0) }
            let digest = try reading.finishHex()
            guard digest == sha256, Int64(reading.count) == bytes else {
                throw LifeboatError.integrity("\(source.name) copy of \(key) does not match its manifest (SHA-256 \(digest), \(reading.count) bytes; expected \(sha256), \(bytes) bytes)",
                                              hint: "`lifeboat verify \(id)` shows the damage; this copy was not made")
            }
            try upload.commit()
        } catch {
            upload.abort()
            throw error
        }
    }

    /// Copies one set to several tiers at once, one thread per target (the
    /// copies are network-bound: together they take about as long as the
    /// slowest). Each reads the source on its own; each target keeps a
    /// share of the transfer buffers (`sharingTransfers`), so memory stays
    /// near one copy's. The progress line follows the first target only
    /// (one line cannot show several).
    static func copyConcurrently(_ manifest: Manifest, from source: any StorageTier, to targets: [any StorageTier],
                                 console: Console, now: Date) -> [Result<Manifest.Copy, any Error>] {
        guard targets.count > 1 else {
            return targets.map { target in Result { try SetCopier(console: console).copy(manifest, from: source, to: target, now: now) } }
        }
        // Threads of their own, not a pool sized to the cores: a copy
        // mostly waits on the network, and every target must start now.
        let results = Mutex<[Int: Result<Manifest.Copy, any Error>]>([:])
        let done = DispatchGroup()
        for index in targets.indices {
            done.enter()
            var quiet = console
            if index > 0 { quiet.meter = nil }
            let copier = SetCopier(console: quiet)
            let target = targets[index].sharingTransfers(among: targets.count)
            let thread = Thread {
                let result = Result { try copier.copy(manifest, from: source, to: target, now: now) }
                results.withLock { $0[index] = result }
                done.leave()
            }
            thread.name = "lifeboat-copy-\(targets[index].name)"
            thread.start()
        }
        done.wait()
        return results.withLock { stored in targets.indices.map { stored[$0]! } }
    }

    static func merged(_ copies: [Manifest.Copy]?, _ entry: Manifest.Copy) -> [Manifest.Copy] {
        (copies ?? []).filter { $0.tier != entry.tier } + [entry]
    }
}

/// `lifeboat copy`: a complete set from the tier holding it to other tiers.
public struct CopyJob: Sendable {
    public let settings: Settings
    public let console: Console

    public init(settings: Settings, console: Console = .standardError) {
        self.settings = settings
        self.console = console
    }

    /// Returns the set and every copy it now has.
    public func run(_ reference: String?, from: String?, to targets: [String]) throws -> (BackupSetID, [Manifest.Copy]) {
        let tiers = try Tiers(settings)
        let (source, entry) = try TieredCatalog(tiers: tiers, console: console).resolve(reference, from: from)
        let destinations = try targets.filter { $0 != source.name }.map { try tiers.named($0) }
        var made: [Manifest.Copy] = []
        var failures: [LifeboatError] = []
        for (target, result) in zip(destinations, SetCopier.copyConcurrently(entry.manifest, from: source, to: destinations, console: console, now: Date())) {
            switch result {
            case .success(let copy): made.append(copy)
            case .failure(let error): failures.append(LifeboatError.wrap(error, doing: "copying \(entry.id) to \(target.name)"))
            }
        }
        if !failures.isEmpty {
            let done = made.map(\.tier)
            throw LifeboatError(failures.first!.status,
                                "copy of \(entry.id) incomplete: " + (done.isEmpty ? "" : "copied to \(done.joined(separator: ", ")); ") + "NOT copied: " + failures.map(\.message).joined(separator: "; "),
                                hint: "fix the tier and run `lifeboat copy \(entry.id) --tier \(destinations.map(\.name).filter { !done.contains($0) }.joined(separator: ","))`")
        }
        // Where the set is now: the tiers that hold its manifest (the copies
        // just made, and any the set already had; an unreachable tier is
        // left out rather than guessed).
        let key = "\(entry.id)/\(Manifest.fileName)"
        var copies: [Manifest.Copy] = []
        for tier in tiers.all {
            if let copy = made.first(where: { $0.tier == tier.name }) { copies.append(copy); continue }
            if let info = try? tier.stat(key: key) {
                copies.append(Manifest.Copy(tier: tier.name, location: tier.location, storageClass: tier.storageClass, copiedAt: info.modified))
            }
        }
        return (entry.id, copies)
    }
}
