import ArgumentParser
import LifeboatConfiguration
import Daemon
import ByteStreams
import Foundation
import LifeboatCore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the backup report: last backup, sizes, each tier's sets, failures, next runs.",
        discussion: """
        The same report the service shows at / (from its state in BACKUP_DIR
        and the tiers' contents).

        Examples:
          lifeboat report
          docker compose run --rm backup report
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the report as JSON (schema lifeboat.report/1, docs/json.md; lifeboat.costs/1 with --costs).")
    var json = false

    @Flag(help: "Storage costs instead: per tier and class, the last 30 days' writes, the monthly cost now and at the retention's steady state, and what changing the retention or keep rules would save.")
    var costs = false

    struct Result: Encodable {
        struct Tier: Encodable { let name: String; let location: String; let sets: [String]; let storedBytes: Int64; let problem: String? }
        struct NextRuns: Encodable { let variable: String; let cron: String; let runs: [Date] }
        let healthy: Bool
        let reason: String
        let lastSuccess: DaemonState.Success?
        let lastFailure: DaemonState.Failure?
        let tiers: [Tier]
        let nextRuns: [NextRuns]
    }

    func run() throws {
        let settings = try global.settings()
        if costs { return try showCosts(settings) }
        let store = DaemonStateStore(path: settings.backupDirectory + "/.lifeboat-daemon.json")
        let report = StatusReport.gather(settings: settings, state: store.current, startedAt: nil)
        let health = report.health
        if json {
            let tiers = report.tierLocations.map { tier in
                let rows = report.rows.filter { $0.tierNames.contains(tier.name) }
                return Result.Tier(name: tier.name, location: tier.location, sets: rows.map(\.id.rawValue), storedBytes: rows.reduce(0) { $0 + $1.manifest.storedBytes },
                                   problem: report.tierProblems.first { $0.tier == tier.name }?.message)
            }
            try Output.json(Result(healthy: health.healthy, reason: health.reason, lastSuccess: report.state.lastSuccess, lastFailure: report.state.lastFailure,
                                   tiers: tiers, nextRuns: report.nextRuns.map { Result.NextRuns(variable: $0.variable, cron: $0.cron, runs: $0.runs) }), schema: "report/1")
        } else {
            Output.line(ReportPage.text(report))
        }
        if !health.healthy {
            throw LifeboatError(.failure, "UNHEALTHY: \(health.reason)", hint: "`lifeboat list` shows the sets; `lifeboat backup` takes one now")
        }
    }

    func showCosts(_ settings: Settings) throws {
        let report = try StorageCosts(settings: settings).report()
        if json { return try Output.json(report, schema: "costs/1") }
        func money(_ value: Double) -> String { value < 0.005 && value > 0 ? "<$0.01" : String(format: "$%.2f", value) }
        func size(_ bytes: Int64) -> String { ByteCount.describe(bytes) }
        for tier in report.tiers {
            Output.line("\(tier.tier) (\(tier.storageClass)): \(tier.sets) set(s), \(size(tier.storedBytes)) in \(tier.objects) objects, \(money(tier.storagePerMonth))/month")
            Output.line("  last 30 days wrote \(size(tier.writtenLast30DaysBytes)) (\(tier.writtenLast30DaysObjects) objects, \(money(tier.requestsPerMonth)) in requests)")
            Output.line("  at \(tier.retentionDays) days' retention it levels off near \(size(tier.steadyStateBytes)), \(money(tier.steadyStatePerMonth))/month")
            if tier.keptOnlyByKeepRulesBytes > 0 {
                Output.line("  the BACKUP_KEEP_* rules alone keep \(size(tier.keptOnlyByKeepRulesBytes)) (\(money(tier.keptOnlyByKeepRulesPerMonth))/month)")
            }
            Output.line("  halving the retention to \(max(1, tier.retentionDays / 2)) days would free \(size(tier.halvedRetentionFreesBytes)) today (\(money(tier.halvedRetentionSavesPerMonth))/month)")
            if !tier.retrievalOfNewestSet.isEmpty {
                Output.line("  reading the newest set back: " + tier.retrievalOfNewestSet.sorted { $0.key < $1.key }.map { "\($0.key) \(money($0.value))" }.joined(separator: ", "))
            }
            for note in tier.notes { Output.line("  note: \(note)") }
        }
        Output.line("costs: \(money(report.totalPerMonth))/month in all (\(report.currency); prices: \(report.pricesFrom))")
        for problem in report.problems { Output.warning(problem) }
        if !report.problems.isEmpty {
            throw LifeboatError(.failure, "costs: \(report.problems.count) tier(s) could not be listed; their costs are missing above",
                                hint: "`lifeboat doctor` checks the tiers")
        }
    }
}
