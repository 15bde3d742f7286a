import Configuration
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
    public let tierProblems: [(tier: String, message: String)]
    public let nextRuns: [(variable: String, cron: String, runs: [Date])]
    public let maxAge: TimeInterval
    public let startedAt: Date?

    public static func gather(settings: Settings, state: DaemonState, startedAt: Date?, now: Date = Date()) -> StatusReport {
        var rows: [TieredCatalog.Row] = []
        var problems: [(String, String)] = []
        var locations: [(String, String)] = []
        if let tiers = try? Tiers(settings) {
            locations = tiers.all.map { ($0.name, $0.location) }
            if let listing = try? TieredCatalog(tiers: tiers, console: .silent).list() {
                rows = listing.rows
                problems = listing.failures.map { ($0.tier, $0.error.message) }
            }
        }
        let runs = Schedule.all(settings).map { schedule in
            (schedule.variable, schedule.cron.source, schedule.cron.nextRuns(after: now, count: 5, in: settings.timeZone))
        }
        return StatusReport(generatedAt: now, state: state, rows: rows, tierLocations: locations, tierProblems: problems,
                            nextRuns: runs, maxAge: settings.daemon.maxAge, startedAt: startedAt)
    }

    /// Healthy when the last scheduled backup succeeded and is younger than
    /// BACKUP_MAX_AGE (or, on a fresh service, until BACKUP_MAX_AGE has passed).
    public var health: (healthy: Bool, reason: String) {
        let age = state.lastSuccess.map { generatedAt.timeIntervalSince($0.finishedAt) }
        if let failure = state.lastFailure, failure.at > (state.lastSuccess?.finishedAt ?? .distantPast) {
            return (false, "the last run failed at \(Self.iso(failure.at)) (\(failure.stage)): \(failure.message)")
        }
        if let success = state.lastSuccess, let age {
            if age <= maxAge { return (true, "last backup \(success.setID) finished \(Self.duration(age)) ago") }
            return (false, "the last backup finished \(Self.duration(age)) ago, more than BACKUP_MAX_AGE (\(Self.duration(maxAge)))")
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
