import LifeboatConfiguration
import Foundation
import Storage

/// The sets of every configured tier, merged by id: what `list` shows,
/// including sets that exist only remotely (after the local disk was lost).
public struct TieredCatalog: Sendable {
    public let tiers: Tiers
    public let console: Console

    public init(tiers: Tiers, console: Console = .standardError) {
        self.tiers = tiers
        self.console = console
    }

    /// One set and the tiers holding a complete copy of it.
    public struct Row: Sendable {
        public let id: BackupSetID
        public let manifest: Manifest
        /// One entry per tier, in tier order (local, s3, glacier).
        public let entries: [CatalogEntry]

        public var tierNames: [String] { entries.map(\.tier) }
        /// Passed if any copy passed, failed if every verified copy failed.
        public var verificationState: CatalogEntry.VerificationState {
            if entries.contains(where: { $0.verificationState == .passed }) { return .passed }
            if entries.contains(where: { $0.verificationState == .failed }) { return .failed }
            if entries.contains(where: { $0.verificationState == .notChecked }) { return .notChecked }
            return .unverified
        }
    }

    public struct Listing: Sendable {
        public var rows: [Row] = []
        public var incomplete: [(tier: String, id: BackupSetID)] = []
        public var unreadable: [(tier: String, id: BackupSetID, problem: String)] = []
        /// Tiers that could not be listed, with why.
        public var failures: [(tier: String, error: LifeboatError)] = []
        /// Each listed tier's own listing (what prune plans from).
        public var byTier: [String: SetCatalog.Listing] = [:]

        public init() {}
    }

    public func list(only names: [String]? = nil) throws -> Listing {
        var listing = Listing()
        var byID: [BackupSetID: [CatalogEntry]] = [:]
        for tier in tiers.all where names?.contains(tier.name) ?? true {
            do {
                let part = try SetCatalog(tier: tier).list()
                listing.byTier[tier.name] = part
                for entry in part.complete { byID[entry.id, default: []].append(entry) }
                listing.incomplete += part.incomplete.map { (tier.name, $0) }
                listing.unreadable += part.unreadable.map { (tier.name, $0.0, $0.1) }
            } catch {
                listing.failures.append((tier.name, LifeboatError.wrap(error, doing: "listing the \(tier.name) tier")))
            }
        }
        listing.rows = byID.map { id, entries in
            Row(id: id, manifest: entries[0].manifest, entries: entries)
        }.sorted { ($0.manifest.startedAt, $0.manifest.finishedAt, $0.id.rawValue) < ($1.manifest.startedAt, $1.manifest.finishedAt, $1.id.rawValue) }
        return listing
    }

    /// Resolves `latest` or an id in the named tier; without one, in each
    /// tier in the lookup order (RESTORE_ORDER; by default local, s3, the
    /// named targets, glacier): the first that holds it, a tier that
    /// cannot be read skipped and said. When no tier has it, the error says
    /// what each tier holds and the command that works with this configuration.
    public func resolve(_ reference: String?, from name: String?, components: [Component]? = nil) throws -> (tier: any StorageTier, entry: CatalogEntry) {
        if let name {
            let tier = try tiers.named(name)
            return (tier, try SetCatalog(tier: tier).resolve(reference, components: components))
        }
        var found: [String] = []
        var alternatives: [String] = []
        var firstError: LifeboatError?
        var passed: [String] = []
        for tier in tiers.inLookupOrder {
            let catalog = SetCatalog(tier: tier)
            let listing: SetCatalog.Listing
            do {
                listing = try catalog.list()
            } catch {
                // The tier could not be read (a server down, a key refused).
                let failure = LifeboatError.wrap(error, doing: "listing the \(tier.name) tier")
                found.append("\(tier.name) (\(tier.location)) could not be read: \(failure.message)")
                console.warn("the \(tier.name) tier could not be read (\(failure.message)); looking in the next one")
                passed.append(tier.name)
                continue
            }
            do {
                let entry = try catalog.resolve(reference, in: listing, components: components)
                if !passed.isEmpty {
                    console.info("\(reference ?? "latest") is not in the \(passed.joined(separator: ", ")) tier\(passed.count == 1 ? "" : "s"); using the copy in \(tier.name) (\(tier.location))")
                }
                return (tier, entry)
            } catch let error as LifeboatError {
                // Not there (the catalog's own answer): look further. A wrong
                // reference or a damaged manifest is the answer itself.
                guard error.status == .failure else { throw error }
                firstError = firstError ?? error
                passed.append(tier.name)
                if tier.isLocal {
                    found.append(Self.describeLocal(tier, holding: listing.complete.count))
                } else {
                    found.append("\(tier.name) (\(tier.location)) holds \(listing.complete.count) complete set(s)\(listing.complete.isEmpty ? "" : ", none matching")")
                    if !listing.complete.isEmpty { alternatives.append("lifeboat list --tier \(tier.name)") }
                }
            }
        }
        let hint: String
        if tiers.remote.isEmpty && !FileManager.default.fileExists(atPath: tiers.local.location) {
            hint = "\(tiers.local.location) does not exist and AWS_S3_BUCKET is not set: mount the backup volume at BACKUP_DIR, or set AWS_S3_BUCKET (and its credentials) to restore from S3"
        } else if let alternative = alternatives.first {
            hint = "see what is there: \(alternative)"
        } else {
            hint = firstError?.hint ?? "`lifeboat list` shows the complete sets"
        }
        throw LifeboatError(.failure, (reference.map { "set \($0) not found" } ?? "no usable complete set") + ": " + found.joined(separator: "; "), hint: hint)
    }

    /// The tiers after `tier` in the lookup order that hold a complete copy
    /// of the set: where a restore turns when a copy cannot be used. A tier
    /// that cannot be read is left out, and said.
    public func otherCopies(of id: BackupSetID, after tier: String) -> [any StorageTier] {
        let order = tiers.inLookupOrder
        let later = order.drop { $0.name != tier }.dropFirst()
        return later.filter { candidate in
            do {
                return try SetCatalog(tier: candidate).list().complete.contains { $0.id == id }
            } catch {
                console.warn("the \(candidate.name) tier could not be read (\(LifeboatError.wrap(error, doing: "listing").message)); its copy of \(id) is not tried")
                return false
            }
        }
    }

    /// What the local tier holds, for messages: a missing folder is said.
    static func describeLocal(_ tier: any StorageTier, holding count: Int) -> String {
        guard FileManager.default.fileExists(atPath: tier.location) else {
            return "the local tier \(tier.location) does not exist (no backup was taken here, or the volume is not mounted)"
        }
        return "the local tier \(tier.location) holds \(count) complete set(s)\(count == 0 ? "" : ", none matching")"
    }
}
