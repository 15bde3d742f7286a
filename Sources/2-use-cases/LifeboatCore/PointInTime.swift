import Foundation
import MongoSource
import RawBSON
import Storage

/// Point-in-time recovery: which set's chain covers a moment, and the
/// oplog position to replay up to. A chain covers from its full set's
/// consistent point (the end of the dump's oplog window) to the end of its
/// newest incremental's oplog.
public struct PointInTime: Sendable {
    public let tier: any StorageTier

    public init(tier: any StorageTier) { self.tier = tier }

    /// `2026-01-22T10:15:00Z` (everything written in that second and before)
    /// or an oplog position `seconds:ordinal`, as mongorestore's --oplogLimit.
    public static func parse(_ text: String) throws -> BSONTimestamp {
        let parts = text.split(separator: ":")
        if parts.count == 2, let seconds = UInt32(parts[0]), let ordinal = UInt32(parts[1]) {
            return BSONTimestamp(seconds: seconds, increment: ordinal)
        }
        for style in [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()] {
            if let date = try? Date(text, strategy: style), date.timeIntervalSince1970 >= 0, date.timeIntervalSince1970 < Double(UInt32.max) {
                return BSONTimestamp(seconds: UInt32(date.timeIntervalSince1970), increment: UInt32.max)
            }
        }
        throw LifeboatError.usage("--to-time '\(text)' is neither a UTC time nor an oplog position",
                                  hint: "give 2026-01-22T10:15:00Z or seconds:ordinal (as mongorestore's --oplogLimit)")
    }

    public struct Coverage: Sendable {
        public let base: BackupSetID
        public let from: BSONTimestamp
        public let to: BSONTimestamp
        public var description: String { "\(Self.show(from)) to \(Self.show(to)) (chain of \(base))" }
        public var fromDate: Date { Date(timeIntervalSince1970: TimeInterval(from.seconds)) }
        public var toDate: Date { Date(timeIntervalSince1970: TimeInterval(to.seconds)) }

        static func show(_ ts: BSONTimestamp) -> String {
            Date(timeIntervalSince1970: TimeInterval(ts.seconds)).formatted(Date.ISO8601FormatStyle()) + " [\(ts)]"
        }
    }

    /// The set to restore and the limit to replay to, or a refusal naming
    /// the ranges the chains cover.
    public func resolve(_ moment: BSONTimestamp) throws -> (set: BackupSetID, limit: BSONTimestamp, coverage: [Coverage]) {
        let chains = Self.chains(try SetCatalog(tier: tier).list().complete.map(\.manifest))
        var best: (BackupSetID, BSONTimestamp)?
        for chain in chains {
            guard chain.coverage.from <= moment, let target = chain.members.first(where: { Self.end($0) >= moment }) else { continue }
            // The newest full set before the moment wins.
            if best == nil || chain.coverage.from > best!.1 { best = (target.id, chain.coverage.from) }
        }
        let coverage = chains.map(\.coverage)
        guard let (target, _) = best else {
            let ranges = coverage.isEmpty ? "no set has an oplog position (a replica set is needed)" : coverage.map(\.description).joined(separator: "; ")
            throw LifeboatError.usage("no chain in the \(tier.name) tier covers \(Coverage.show(moment))",
                                      hint: "covered: \(ranges)")
        }
        return (target, moment, coverage)
    }

    /// The first of `tiers` (in the order given: local, S3, Glacier) whose
    /// chains cover `moment`, the set to restore there and the oplog limit;
    /// or one refusal naming what each tier covers. The one resolution
    /// `restore --to-time` and `rebuild --to-time` share.
    public static func locate(_ moment: BSONTimestamp, in tiers: [any StorageTier]) throws -> (tier: any StorageTier, entry: CatalogEntry, limit: BSONTimestamp) {
        var refusals: [String] = []
        for tier in tiers {
            do {
                let (set, limit, _) = try PointInTime(tier: tier).resolve(moment)
                return (tier, try SetCatalog(tier: tier).resolve(set.rawValue), limit)
            } catch {
                // One tier (--from): its own refusal, with the ranges it covers.
                if tiers.count == 1 { throw error }
                // Another tier may cover it, even when this one cannot be read.
                let wrapped = LifeboatError.wrap(error, doing: "listing the \(tier.name) tier")
                refusals.append("\(tier.name): \(wrapped.message)" + (wrapped.hint.map { " (\($0))" } ?? ""))
            }
        }
        throw LifeboatError.usage("no tier's sets cover \(Coverage.show(moment))", hint: refusals.joined(separator: "; "))
    }

    /// The chains of `manifests` (a full set with an oplog position and its
    /// incrementals), each with the range it covers, oldest first; members
    /// ordered by where their oplog ends.
    public static func chains(_ manifests: [Manifest]) -> [(coverage: Coverage, members: [Manifest])] {
        let sets = manifests.filter { $0.artifact(.mongo)?.mongo?.oplog != nil }
        var grouped: [BackupSetID: [Manifest]] = [:]
        for manifest in sets { grouped[manifest.base ?? manifest.id, default: []].append(manifest) }
        var chains: [(Coverage, [Manifest])] = []
        for (base, members) in grouped {
            guard let full = members.first(where: { $0.id == base }) else { continue }
            let ordered = members.sorted { end($0) < end($1) }
            chains.append((Coverage(base: base, from: end(full), to: end(ordered.last!)), ordered))
        }
        return chains.sorted { $0.0.from < $1.0.from }
    }

    /// Where a set's oplog ends, as a time (nil without an oplog position).
    public static func endDate(of manifest: Manifest) -> Date? {
        manifest.artifact(.mongo)?.mongo?.oplog.map { Date(timeIntervalSince1970: TimeInterval($0.end.seconds)) }
    }

    static func end(_ manifest: Manifest) -> BSONTimestamp { manifest.artifact(.mongo)!.mongo!.oplog!.end }
}

extension TieredCatalog {
    /// What a restore reads: with a moment, the first tier whose chains
    /// cover it (`--from`'s only) and the oplog limit; otherwise the set
    /// named, or the newest holding `components`.
    public func resolve(_ reference: String?, from name: String?, components: [Component]?, moment: BSONTimestamp?) throws
        -> (tier: any StorageTier, entry: CatalogEntry, limit: BSONTimestamp?) {
        guard let moment else {
            let (tier, entry) = try resolve(reference, from: name, components: components)
            return (tier, entry, nil)
        }
        let located = try PointInTime.locate(moment, in: try name.map { [try tiers.named($0)] } ?? tiers.all)
        return (located.tier, located.entry, located.limit)
    }
}
