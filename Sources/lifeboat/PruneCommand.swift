import ArgumentParser
import Foundation
import LifeboatCore

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete sets older than the retention period.",
        discussion: """
        Deletes sets older than BACKUP_RETENTION_DAYS from the local tier, and
        incomplete sets left by interrupted backups. Never deletes the newest
        set that verified, nor the newest set.

        Examples:
          lifeboat prune --dry-run
          BACKUP_RETENTION_DAYS=7 lifeboat prune
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Show what would be deleted, delete nothing.")
    var dryRun = false

    @Option(help: "Days to keep (overrides BACKUP_RETENTION_DAYS).")
    var retentionDays: Int?

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        var overrides: [String: String] = [:]
        if let retentionDays { overrides["BACKUP_RETENTION_DAYS"] = String(retentionDays) }
        let settings = try global.settings(overrides)
        let plan: Pruner.Plan
        do {
            plan = try Pruner(settings: settings).run(dryRun: dryRun)
        } catch {
            throw LifeboatError.wrap(error, doing: "prune")
        }
        if json {
            try Output.json(plan)
            return
        }
        Output.table(["ID", "ACTION", "REASON"], plan.decisions.map { d in
            [d.id.rawValue, dryRun && d.action == .delete ? "would delete" : d.action.rawValue, d.reason]
        })
        let verb = dryRun ? "would free" : "freed"
        Output.line("\(plan.deletions.count) set(s) \(dryRun ? "to delete" : "deleted"), \(verb) \(Output.bytes(plan.bytesFreed)); \(plan.incomplete.count) incomplete set(s) \(dryRun ? "to remove" : "removed")")
    }
}
