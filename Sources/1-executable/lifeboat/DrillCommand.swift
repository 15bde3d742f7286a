import ArgumentParser
import LifeboatConfiguration
import Foundation
import LifeboatCore

struct DrillCommand: AuditedCommand {
    var auditOperation: String? { "drill" }
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Rehearse a disaster: rebuild the newest set into a throw-away project, check it, tear it down.",
        discussion: """
        The guide's monthly "full disaster recovery test", automated: the same
        steps as `rebuild`, into the throw-away Compose project DRILL_COMPOSE_PROJECT
        (the stack's services under other names, on other ports, with scratch
        volumes; create it once with `docker compose -p NAME up --no-start`),
        reached through DRILL_MONGO_URI, DRILL_REDIS_URL, DRILL_UPLOADS_DIR and
        checked at DRILL_HEALTHCHECK_URL. Afterwards its data is wiped and its
        containers stopped. The report (BACKUP_DIR/rebuild-reports) gives the
        recovery time; the service runs a drill on DRILL_SCHEDULE and alerts
        when one fails. A drill refuses to run if any DRILL_* variable points
        at production.

        Examples:
          lifeboat drill
          DRILL_SCHEDULE='0 5 1 * *' lifeboat serve
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let settings = try global.settings()
        do {
            let report = try DrillJob(settings: settings, console: Console.terminal(progress: settings.showProgress)).run()
            if json { try Output.json(report, schema: "drill/1") } else { Output.line(report.text()) }
        } catch let failure as RebuildJob.Failure {
            if json { try Output.json(failure.report, schema: "drill/1") } else { Output.line(failure.report.text()) }
            throw failure.error
        }
    }
}
