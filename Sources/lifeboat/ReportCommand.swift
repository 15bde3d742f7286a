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

    func run() throws {
        let settings = try global.settings()
        let store = DaemonStateStore(path: settings.backupDirectory + "/.lifeboat-daemon.json")
        let report = StatusReport.gather(settings: settings, state: store.current, startedAt: nil)
        Output.line(ReportPage.text(report))
        let health = report.health
        if !health.healthy {
            throw LifeboatError(.failure, "UNHEALTHY: \(health.reason)", hint: "`lifeboat list` shows the sets; `lifeboat backup` takes one now")
        }
    }
}
