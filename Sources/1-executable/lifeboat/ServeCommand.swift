import ArgumentParser
import LifeboatConfiguration
import Daemon
import Foundation
import LifeboatCore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run as the stack's backup service: schedules, health, metrics, report, alerts.",
        discussion: """
        Runs until SIGTERM or SIGINT. BACKUP_SCHEDULE (daily, default 0 2 * * *),
        BACKUP_ARCHIVE_SCHEDULE (weekly to Glacier, 0 1 * * 0),
        BACKUP_SNAPSHOT_SCHEDULE (monthly, 0 3 1 * *) and VERIFY_SCHEDULE (deep
        verification, 0 4 * * 0), in TZ. After each backup: quick verification,
        then prune. Runs never overlap; a run missed while the service was down
        runs once at start (BACKUP_CATCH_UP). On SIGTERM no new run starts and
        the running one gets SHUTDOWN_GRACE_SECONDS to finish.

        HTTP on LIFEBOAT_HTTP_ADDR (0.0.0.0:8080): /healthz, /metrics
        (Prometheus), /api/backups, /api/backups/ID, and / (the backup report).
        Failures are POSTed to ALERT_WEBHOOK_URL. Logs go to standard error,
        as JSON lines with LOG_FORMAT=json.

        Examples:
          lifeboat serve
          docker compose up -d backup && curl -s localhost:8080/healthz
        """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await ServiceRunner(settings: try global.settings(strictNames: true)).run()
    }
}
