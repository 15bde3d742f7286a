import ArgumentParser
import Foundation
import LifeboatCore

struct PruneCommand: AuditedCommand {
    var auditOperation: String? { dryRun ? nil : "prune" }
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete sets past each tier's retention.",
        discussion: """
        Applies each tier's retention: LOCAL_RETENTION_DAYS (7), S3_RETENTION_DAYS
        (30), GLACIER_RETENTION_DAYS (90), BACKUP_RETENTION_DAYS for any tier
        without its own; BACKUP_KEEP_LAST / _DAILY / _WEEKLY / _MONTHLY keep more,
        as restic's forget does. Never deletes the newest set that verified, the
        newest set, or a set a kept set depends on. Removes incomplete sets
        (interrupted backups; in remote tiers after a day) and unfinished
        multipart uploads.

        Examples:
          lifeboat prune --dry-run
          lifeboat prune --tier s3
          BACKUP_KEEP_DAILY=7 BACKUP_KEEP_WEEKLY=4 BACKUP_KEEP_MONTHLY=12 lifeboat prune
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Show what would be deleted, delete nothing.")
    var dryRun = false

    @Option(help: "Days to keep in every tier (overrides the *_RETENTION_DAYS variables).")
    var retentionDays: Int?

    @Option(help: "Comma-separated tiers to prune (default: every configured tier).")
    var tier: String?

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        var overrides: [String: String] = [:]
        if let retentionDays {
            for name in ["BACKUP_RETENTION_DAYS", "LOCAL_RETENTION_DAYS", "S3_RETENTION_DAYS", "GLACIER_RETENTION_DAYS"] {
                overrides[name] = String(retentionDays)
            }
        }
        let settings = try global.settings(overrides)
        let tiers = try Tiers(settings)
        let selected = try tier.map { try tiers.parseList($0).map { try tiers.named($0) } }
        let plan: Pruner.Plan
        do {
            plan = try Pruner(settings: settings, tiers: selected).run(dryRun: dryRun)
            AuditNotes.shared.note(sets: plan.deletions.map(\.id.rawValue), tiers: plan.deletions.map(\.tier))
        } catch {
            throw LifeboatError.wrap(error, doing: "prune")
        }
        if json {
            try Output.json(plan, schema: "prune/1")
            return
        }
        Output.table(["TIER", "ID", "ACTION", "REASON"], plan.decisions.map { d in
            [d.tier, d.id.rawValue, dryRun && d.action == .delete ? "would delete" : d.action.rawValue, d.reason]
        })
        let verb = dryRun ? "would free" : "freed"
        Output.line("\(plan.deletions.count) set(s) \(dryRun ? "to delete" : "deleted"), \(verb) \(Output.bytes(plan.bytesFreed)); \(plan.incomplete.count) incomplete set(s) \(dryRun ? "to remove" : "removed")")
    }
}
