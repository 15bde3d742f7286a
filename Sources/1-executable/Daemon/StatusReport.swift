import LifeboatConfiguration
import Foundation
import LifeboatCore
import Scheduling
import Storage

/// Everything the report page, `lifeboat report`, /healthz and /metrics
/// show, gathered once: the service's state, each tier's sets, next runs.
public struct StatusReport: Sendable {
    public let generatedAt: Date
    public let state: DaemonState
    public let rows: [TieredCatalog.Row]
    public let tierLocations: [(name: String, location: String)]
    /// Each tier's price list entry and its USD per GB-month (COST_PRICES or the defaults).
    public var tierPrices: [String: (pricingClass: String, perGBMonth: Double)] = [:]
    public let tierProblems: [(tier: String, message: String)]
    public let nextRuns: [(variable: String, cron: String, runs: [Date])]
    public let maxAge: TimeInterval
    public let startedAt: Date?

    public static func gather(settings: Settings, state: DaemonState, startedAt: Date?, now: Date = Date(), listTiers: Bool = true) -> StatusReport {
        var rows: [TieredCatalog.Row] = []
        var problems: [(String, String)] = []
        var locations: [(String, String)] = []
        var pricing: [String: (pricingClass: String, perGBMonth: Double)] = [:]
        if listTiers, let tiers = try? Tiers(settings) {
            locations = tiers.all.map { ($0.name, $0.location) }
            let prices = StoragePrices(overrides: settings.storage.prices)
            for tier in tiers.all { pricing[tier.name] = (tier.pricingClass, prices.price(tier.pricingClass).perGBMonth) }
            if let listing = try? TieredCatalog(tiers: tiers, console: .silent).list() {
                rows = listing.rows
                problems = listing.failures.map { ($0.tier, $0.error.message) }
            }
        }
        let runs = Schedule.all(settings).map { schedule in
            (schedule.variable, schedule.cron.source, schedule.cron.nextRuns(after: now, count: 5, in: settings.timeZone))
        }
        return StatusReport(generatedAt: now, state: state, rows: rows, tierLocations: locations, tierPrices: pricing, tierProblems: problems,
                            nextRuns: runs, maxAge: settings.daemon.maxAge, startedAt: startedAt)
    }

    /// The newest complete set whose last verification did not fail, in
    /// any tier: a one-shot backup (cron, by hand) counts as much as the
    /// service's own runs.
    public var newestUsableSet: TieredCatalog.Row? {
        rows.last { $0.verificationState != .failed && $0.manifest.label != "oplog slice" }
    }

    /// Healthy when the newest backup — the newest usable set in the tiers,
    /// or the service's last success — is younger than BACKUP_MAX_AGE and no
    /// scheduled run failed after it (or, on a fresh service with no set,
    /// until BACKUP_MAX_AGE has passed).
    public var health: (healthy: Bool, reason: String) {
        let fromSets = newestUsableSet.map { (id: $0.id.rawValue, at: $0.manifest.finishedAt, verification: $0.verificationState.rawValue) }
        let fromState = state.lastSuccess.map { (id: $0.setID, at: $0.finishedAt, verification: "passed") }
        let newest = [fromSets, fromState].compactMap { $0 }.max { $0.at < $1.at }
        if let failure = state.lastFailure, failure.at > (newest?.at ?? .distantPast) {
            return (false, "the last run failed at \(Self.iso(failure.at)) (\(failure.stage)): \(failure.message)")
        }
        if let newest {
            let age = generatedAt.timeIntervalSince(newest.at)
            if age <= maxAge { return (true, "last backup \(newest.id) finished \(Self.duration(age)) ago (verification: \(newest.verification))") }
            return (false, "the last backup \(newest.id) finished \(Self.duration(age)) ago, more than BACKUP_MAX_AGE (\(Self.duration(maxAge)))")
        }
        if let startedAt, generatedAt.timeIntervalSince(startedAt) <= maxAge {
            return (true, "no backup yet; the service started \(Self.duration(generatedAt.timeIntervalSince(startedAt))) ago")
        }
        return (false, "no backup has succeeded within BACKUP_MAX_AGE (\(Self.duration(maxAge)))")
    }

    static func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }

    static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h\(s % 3600 / 60 > 0 ? "\(s % 3600 / 60)m" : "")" }
        return "\(s / 86_400)d"
    }
}
