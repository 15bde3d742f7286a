import LifeboatConfiguration
import Foundation
import Storage

/// One set as found in a tier.
public struct CatalogEntry: Sendable {
    public let id: BackupSetID
    public let tier: String
    public let manifest: Manifest
    public let verification: VerificationRecord?

    public enum VerificationState: String, Sendable, Codable {
        case unverified, passed, failed
        case notChecked = "not-checked"
    }

    public var verificationState: VerificationState {
        switch verification?.state {
        case .none: return .unverified
        case .passed?: return .passed
        case .failed?: return .failed
        case .notChecked?: return .notChecked
        }
    }

    /// The components whose artifacts failed their last verification here.
    public var failedComponents: [Component] { verification?.failedComponents(of: manifest) ?? [] }
}

/// Reads which sets a tier holds. Only sets with a manifest are complete;
/// everything else under a set-shaped name is incomplete and never listed,
/// restored or verified.
public struct SetCatalog: Sendable {
    public let tier: any StorageTier

    public init(tier: any StorageTier) { self.tier = tier }

    /// The catalog of the local tier (`BACKUP_DIR`).
    public init(localTierOf settings: Settings) { self.tier = LocalTier(root: settings.backupDirectory) }

    public struct Listing: Sendable {
        public var complete: [CatalogEntry]
        /// Set ids with objects but no manifest (interrupted backups).
        public var incomplete: [BackupSetID]
        /// Sets whose manifest exists but cannot be read.
        public var unreadable: [(BackupSetID, String)]
    }

    public func list() throws -> Listing {
        let objects: [ObjectInfo]
        do {
            objects = try tier.list(prefix: "")
        } catch {
            throw LifeboatError.wrap(error, doing: "listing the \(tier.name) tier")
        }
        var byID: [BackupSetID: Set<String>] = [:]
        for object in objects {
            let parts = object.key.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, let id = BackupSetID(String(parts[0])) else { continue }
            byID[id, default: []].insert(String(parts[1]))
        }
        // Folders holding only temporary files list no objects at all.
        for name in try tier.setFolderNames() {
            if let id = BackupSetID(name), byID[id] == nil { byID[id] = [] }
        }
        var listing = Listing(complete: [], incomplete: [], unreadable: [])
        for (id, files) in byID.sorted(by: { $0.key < $1.key }) {
            guard files.contains(Manifest.fileName) else {
                listing.incomplete.append(id)
                continue
            }
            do {
                let manifest = try loadManifest(id)
                let verification = files.contains(VerificationRecord.fileName)
                    ? try? VerificationRecord.decode(tier.get(key: "\(id)/\(VerificationRecord.fileName)")) : nil
                listing.complete.append(CatalogEntry(id: id, tier: tier.name, manifest: manifest, verification: verification))
            } catch {
                listing.unreadable.append((id, String(describing: error)))
            }
        }
        // Ids order by second; within one second the manifest's times decide.
        listing.complete.sort { ($0.manifest.startedAt, $0.manifest.finishedAt, $0.id.rawValue) < ($1.manifest.startedAt, $1.manifest.finishedAt, $1.id.rawValue) }
        return listing
    }

    public func loadManifest(_ id: BackupSetID) throws -> Manifest {
        let key = "\(id)/\(Manifest.fileName)"
        let bytes: [UInt8]
        do {
            bytes = try tier.get(key: key)
        } catch StorageError.notFound {
            throw LifeboatError(.failure, "set \(id) has no manifest in the \(tier.name) tier (\(tier.location)): it does not exist or is incomplete",
                                hint: "`lifeboat list` shows the complete sets")
        }
        let manifest = try Manifest.decode(bytes, origin: "\(tier.location)/\(key)")
        guard manifest.id == id else {
            throw LifeboatError(.dataError, "\(tier.location)/\(key) describes set \(manifest.id), not \(id)")
        }
        return manifest
    }

    /// Resolves `latest` or an id to a complete set. `latest` skips sets whose
    /// last verification found an artifact at fault: with `components`, only
    /// a fault of one of those (a damaged files artifact does not hide the
    /// newest good MongoDB dump).
    public func resolve(_ reference: String?, components: [Component]? = nil) throws -> CatalogEntry {
        try resolve(reference, in: try list(), components: components)
    }

    /// The same, in a listing already made (a caller that must tell a tier
    /// it cannot read from one that lacks the set).
    public func resolve(_ reference: String?, in listing: Listing, components: [Component]? = nil) throws -> CatalogEntry {
        let wanted = reference ?? "latest"
        if wanted == "latest" {
            let usable = { (entry: CatalogEntry) -> Bool in
                guard let components else { return entry.verificationState != .failed }
                return !entry.failedComponents.contains(where: components.contains) && components.allSatisfy { entry.manifest.artifact($0) != nil }
            }
            guard let entry = listing.complete.last(where: usable) else {
                throw LifeboatError(.failure, "no complete backup set in the \(tier.name) tier (\(tier.location))",
                                    hint: listing.complete.isEmpty ? "run `lifeboat backup` first" : "every set failed verification; see `lifeboat list`")
            }
            return entry
        }
        guard let id = BackupSetID(wanted) else {
            throw LifeboatError.usage("'\(wanted)' is not a set id or 'latest'", hint: "ids look like 20260122T020000Z-full-3f9a; `lifeboat list` shows them")
        }
        if let entry = listing.complete.first(where: { $0.id == id }) { return entry }
        if listing.incomplete.contains(id) {
            throw LifeboatError(.failure, "set \(id) is incomplete (its backup was interrupted) and cannot be used",
                                hint: "the next backup or prune removes it")
        }
        if let (_, problem) = listing.unreadable.first(where: { $0.0 == id }) {
            throw LifeboatError(.dataError, problem)
        }
        throw LifeboatError(.failure, "no set \(id) in the \(tier.name) tier (\(tier.location))", hint: "`lifeboat list` shows the complete sets")
    }
}
