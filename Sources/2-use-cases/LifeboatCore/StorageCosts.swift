import Foundation
import LifeboatConfiguration
import Storage

/// `report --costs`: per tier, what is stored and in which class, what the
/// last 30 days wrote, the monthly cost now and at the policy's steady
/// state, and what changing the retention or the keep rules would save
/// (simulated by the retention planner on the sets there today).
public struct StorageCosts: Sendable {
    public struct TierCost: Codable, Sendable {
        public var tier: String
        public var storageClass: String
        public var sets: Int
        public var storedBytes: Int64
        public var objects: Int
        /// Sets finished in the last 30 days: their bytes and objects.
        public var writtenLast30DaysBytes: Int64
        public var writtenLast30DaysObjects: Int
        public var retentionDays: Int
        public var storagePerMonth: Double
        public var requestsPerMonth: Double
        /// Written per day (over the last 30 days, or the history there is)
        /// × retention days, at this class's price.
        public var steadyStateBytes: Int64
        public var steadyStatePerMonth: Double
        /// Bytes (and their cost) that only the BACKUP_KEEP_* rules keep today.
        public var keptOnlyByKeepRulesBytes: Int64
        public var keptOnlyByKeepRulesPerMonth: Double
        /// What halving the retention days would free today.
        public var halvedRetentionFreesBytes: Int64
        public var halvedRetentionSavesPerMonth: Double
        /// The class bills at least this many days per object.
        public var minimumStorageDays: Int
        /// Reading the newest set back, per retrieval tier (archive classes).
        public var retrievalOfNewestSet: [String: Double]
        public var notes: [String]
    }

    public struct Report: Codable, Sendable {
        public var currency: String
        public var pricesFrom: String
        public var tiers: [TierCost]
        public var totalPerMonth: Double
        public var problems: [String]
    }

    public let settings: Settings
    public let now: Date

    public init(settings: Settings, now: Date = Date()) {
        self.settings = settings
        self.now = now
    }

    static let gigabyte = 1_000_000_000.0

    public func report() throws -> Report {
        let tiers = try Tiers(settings)
        let listing = try TieredCatalog(tiers: tiers, console: .silent).list()
        let prices = StoragePrices(overrides: settings.storage.prices)
        var costs: [TierCost] = []
        for tier in tiers.all {
            guard let sets = listing.byTier[tier.name]?.complete else { continue }
            let storageClass = tier.pricingClass
            let price = prices.price(storageClass)
            let policy = settings.storage.retention(for: tier.name)
            let bytes = sets.reduce(Int64(0)) { $0 + $1.manifest.storedBytes }
            let objectCount = { (m: Manifest) in 1 + m.artifacts.count + m.artifacts.filter { $0.index != nil }.count }
            let recent = sets.filter { now.timeIntervalSince($0.manifest.finishedAt) <= 30 * 86_400 }
            let written = recent.reduce(Int64(0)) { $0 + $1.manifest.storedBytes }
            let writtenObjects = recent.reduce(0) { $0 + objectCount($1.manifest) }
            let perMonth = { (bytes: Int64) in Double(bytes) / Self.gigabyte * price.perGBMonth }
            // Bytes written per day over the history there is (up to 30
            // days; a set a day counts as one day's worth).
            let oldest = recent.map(\.manifest.finishedAt).min() ?? now
            let span = min(30, max(1, now.timeIntervalSince(oldest) / 86_400 + 1))
            let steady = Int64(Double(written) / span * Double(policy.days))
            let candidates = sets.map(Pruner.candidate)
            func keptBytes(_ policy: RetentionPolicy) -> Int64 {
                let kept = RetentionPlanner(policy: policy, timeZone: settings.timeZone).reasons(for: candidates, now: now)
                return candidates.filter { kept[$0.id] != nil }.reduce(0) { $0 + $1.storedBytes }
            }
            let keptNow = keptBytes(policy)
            let withoutKeepRules = keptNow - keptBytes(RetentionPolicy(days: policy.days))
            let halved = keptNow - keptBytes(RetentionPolicy(days: max(1, policy.days / 2), keepLast: policy.keepLast, keepDaily: policy.keepDaily,
                                                             keepWeekly: policy.keepWeekly, keepMonthly: policy.keepMonthly))
            var notes: [String] = []
            if price.minimumDays > policy.days {
                notes.append("\(storageClass) bills every object for at least \(price.minimumDays) days: with \(policy.days) days' retention each set costs \(price.minimumDays - policy.days) days it is not kept")
            }
            let newest = sets.max { $0.manifest.finishedAt < $1.manifest.finishedAt }?.manifest.storedBytes ?? 0
            costs.append(TierCost(tier: tier.name, storageClass: storageClass, sets: sets.count, storedBytes: bytes,
                                  objects: sets.reduce(0) { $0 + objectCount($1.manifest) },
                                  writtenLast30DaysBytes: written, writtenLast30DaysObjects: writtenObjects, retentionDays: policy.days,
                                  storagePerMonth: perMonth(bytes), requestsPerMonth: Double(writtenObjects) / 1000 * price.perThousandPuts,
                                  steadyStateBytes: steady, steadyStatePerMonth: perMonth(steady),
                                  keptOnlyByKeepRulesBytes: withoutKeepRules, keptOnlyByKeepRulesPerMonth: perMonth(withoutKeepRules),
                                  halvedRetentionFreesBytes: halved, halvedRetentionSavesPerMonth: perMonth(halved),
                                  minimumStorageDays: price.minimumDays,
                                  retrievalOfNewestSet: price.retrievalPerGB.mapValues { Double(newest) / Self.gigabyte * $0 },
                                  notes: notes))
        }
        return Report(currency: "USD",
                      pricesFrom: settings.storage.prices.isEmpty ? "defaults: approximate AWS list prices, us-east-1 (set COST_PRICES to yours)" : "COST_PRICES, defaults for the rest",
                      tiers: costs, totalPerMonth: costs.reduce(0) { $0 + $1.storagePerMonth + $1.requestsPerMonth },
                      problems: listing.failures.map { "\($0.tier): \($0.error.message)" })
    }
}
