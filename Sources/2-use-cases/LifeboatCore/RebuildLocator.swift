import ByteStreams
import ComposeStack
import LifeboatConfiguration
import DockerEngine
import FileSources
import Foundation
import HTTPClient
import MongoSource
import RawBSON
import RedisSource
import Storage

/// Which set a rebuild restores, from which tier, to which moment.
extension RebuildRun {
    /// The set to rebuild from, where it is, and the moment it restores to.
    struct Located: Sendable {
        var tier: any StorageTier
        var manifest: Manifest
        /// The set and its ancestors, oldest first (incrementals need their chain).
        var chain: [Manifest]
        var oplogLimit: BSONTimestamp?
        var pointInTime: Date?
        var note: String
        var summary: String {
            "\(manifest.id) in \(tier.name) (\(chain.count) set\(chain.count == 1 ? "" : "s"), \(ByteCount.describe(chain.reduce(0) { $0 + $1.storedBytes })))" + note
        }
    }

    func locate() throws -> Located {
        let tiers = try Tiers(settings)
        let catalog = TieredCatalog(tiers: tiers, console: console)
        var note = ""
        var tier: any StorageTier
        var manifest: Manifest
        var limit: BSONTimestamp?
        if let state {
            tier = try tiers.named(state.tier)
            manifest = try SetCatalog(tier: tier).resolve(state.set).manifest
            limit = state.oplogLimit.flatMap { try? PointInTime.parse($0) }
        } else if let moment = options.toTime {
            let located = try PointInTime.locate(moment, in: try options.from.map { [try tiers.named($0)] } ?? tiers.all)
            tier = located.tier
            manifest = located.entry.manifest
            limit = located.limit
        } else if let set = options.set {
            let (foundTier, entry) = try catalog.resolve(set, from: options.from)
            tier = foundTier
            manifest = entry.manifest
        } else {
            let listing = try catalog.list(only: options.from.map { [$0] })
            for failure in listing.failures {
                report.problems.append("the \(failure.tier) tier could not be listed: \(failure.error.message)")
            }
            let usable = listing.rows.filter { $0.verificationState != .failed }
            guard let row = usable.last(where: { $0.verificationState == .passed }) ?? usable.last else {
                throw LifeboatError(.failure, "no complete set in \(options.from ?? tiers.all.map(\.name).joined(separator: ", "))",
                                    hint: listing.failures.isEmpty ? "check AWS_S3_BUCKET and BACKUP_DIR" : listing.failures.map { "\($0.tier): \($0.error.message)" }.joined(separator: "; "))
            }
            if row.verificationState != .passed {
                note = "; no verified set found, the newest complete one is used (it is checked while downloading)"
                report.problems.append("no set is marked verified; \(row.id) was used and its artifacts checked against their hashes")
            } else if row.id != usable.last?.id {
                note = "; newer unverified sets passed over"
            }
            // The first copy in RESTORE_ORDER (by default local, S3, the targets, Glacier).
            let order = tiers.inLookupOrder.map(\.name)
            let entry = row.entries.min { (order.firstIndex(of: $0.tier) ?? order.count) < (order.firstIndex(of: $1.tier) ?? order.count) }!
            tier = try tiers.named(entry.tier)
            manifest = entry.manifest
        }
        let source = tier
        let chain = try SetChain.links(ending: manifest, in: SetCatalog(tier: tier), next: \.parent, missing: { child, parentID in
            LifeboatError.integrity("set \(child.id) depends on \(parentID), which is not a complete set in the \(source.name) tier: the chain is broken",
                                    hint: "rebuild from a set whose chain is whole (`lifeboat list --tier \(source.name)` shows parents), or copy the missing set there")
        })
        var pointInTime = manifest.finishedAt
        if let end = manifest.artifact(.mongo)?.mongo?.oplog?.end {
            pointInTime = Date(timeIntervalSince1970: TimeInterval(end.seconds))
        }
        if let limit, limit.seconds != UInt32.max { pointInTime = Date(timeIntervalSince1970: TimeInterval(min(limit.seconds, UInt32(pointInTime.timeIntervalSince1970)))) }
        if let moment = options.toTime, let limit {
            pointInTime = Date(timeIntervalSince1970: TimeInterval(min(moment.seconds, limit.seconds)))
        }
        return Located(tier: tier, manifest: manifest, chain: chain, oplogLimit: limit, pointInTime: pointInTime, note: note)
    }
}
