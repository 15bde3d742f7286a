import ArgumentParser
import LifeboatConfiguration
import Daemon
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

    @Flag(help: "Print the report as JSON (schema lifeboat.report/1, docs/json.md).")
    var json = false

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
}
