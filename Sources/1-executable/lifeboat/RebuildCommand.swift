import ArgumentParser
import LifeboatConfiguration
import Foundation
import LifeboatCore

struct RebuildCommand: AuditedCommand {
    var auditOperation: String? { dryRun ? nil : "rebuild" }
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Bring the whole stack back on a fresh server from the newest verified set.",
        discussion: """
        The guide's "complete system disaster", steps 3 to 8, as one command:
          1. find the newest complete, verified set (or SET, or --to-time) in S3
             or the local tier; download it into BACKUP_DIR and check every
             artifact against its manifest before anything is touched
          2. with --restore-config, put the config files back where they came from
          3. start the Compose project's mongodb and redis containers through the
             Docker engine and wait until each answers
          4. restore Redis (the RDB into its container, restart, key count
             checked), MongoDB (collections, indexes, oplog to the chosen time)
             and the uploads tree
          5. start the project's other containers, dependencies first
          6. poll HEALTHCHECK_URL until healthy, compare the data with the manifest
          7. print and store the report (BACKUP_DIR/rebuild-reports): each step's
             time, the data's point in time (RPO) and the total time (RTO)
        A stack that already holds data is refused unless --force. Interrupted
        anywhere, run it again: it continues with the same set and skips the
        steps already done. --dry-run shows the plan and changes nothing.

        Examples:
          docker compose -f docker-compose.prod.yml up --no-start
          docker compose -f docker-compose.prod.yml run --rm backup rebuild
          lifeboat rebuild --dry-run
          lifeboat rebuild --to-time 2026-01-22T10:15:00Z
          lifeboat rebuild 20260122T020000Z-full-3f9a --from s3 --restore-config
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id (default: the newest complete, verified set).")
    var set: String?

    @Option(help: "Take the set from this tier: local, s3 or glacier (default: wherever it is, the local copy first).")
    var from: String?

    @Option(name: .customLong("to-time"), help: "Point in time for MongoDB: a UTC time or seconds:ordinal; the newest full set before it and its chain.")
    var toTime: String?

    @Flag(help: "Restore the config artifact (compose file, .env, nginx.conf) to its original paths first.")
    var restoreConfig = false

    @Flag(help: "Replace data the stack already holds.")
    var force = false

    @Flag(help: "Show the plan; change nothing.")
    var dryRun = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if toTime != nil, set != nil {
            throw ValidationError("--to-time picks the set itself; leave out the set id")
        }
    }

    func run() throws {
        let settings = try global.settings()
        var options = RebuildJob.Options(set: set == "latest" ? nil : set, from: from, restoreConfig: restoreConfig, force: force, dryRun: dryRun)
        options.toTime = try toTime.map(PointInTime.parse)
        do {
            let report = try RebuildJob(settings: settings, console: Console.terminal(progress: settings.showProgress)).run(options)
            AuditNotes.shared.note(sets: report.setID.map { [$0] } ?? [], tiers: report.tier.map { [$0] } ?? [])
            try show(report)
        } catch let failure as RebuildJob.Failure {
            AuditNotes.shared.note(sets: failure.report.setID.map { [$0] } ?? [], tiers: failure.report.tier.map { [$0] } ?? [])
            try show(failure.report)
            throw failure.error
        }
    }

    private func show(_ report: RebuildReport) throws {
        if json { try Output.json(report, schema: "rebuild/1") } else { Output.line(report.text()) }
    }
}
