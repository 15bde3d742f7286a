import ArgumentParser
import Configuration
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
        Output.line(ReportPage.text(StatusReport.gather(settings: settings, state: store.current, startedAt: nil)))
    }
}
