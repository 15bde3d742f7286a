import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct CopyCommand: AuditedCommand {
    var auditOperation: String? { "copy" }
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a complete set to other tiers.",
        discussion: """
        Copies a set (artifacts, checked against the manifest, then the
        manifest) from the tier holding it to the named tiers: for a backup
        whose remote copy failed, or to archive an existing set to Glacier.

        Examples:
          lifeboat copy latest --tier s3
          lifeboat copy 20260122T020000Z-full-3f9a --tier glacier
          lifeboat copy latest --from s3 --tier local     # bring a remote set home
          lifeboat copy latest --tier offsite,vault       # named targets (TARGETS)
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the result as JSON (schema lifeboat.copy/1, docs/json.md).")
    var json = false

    @Argument(help: "Set id, or 'latest'.")
    var set: String = "latest"

    @Option(help: "The tier to copy from (default: local, then the remote tiers).")
    var from: String?

    @Option(help: "Comma-separated tiers to copy to: local, s3, glacier, or a target named in TARGETS (copied to at once).")
    var tier: String

    func run() throws {
        let settings = try global.settings()
        let targets = try Tiers(settings).parseList(tier)
        let console = Console.terminal(progress: settings.showProgress)
        AuditNotes.shared.note(tiers: targets)
        let (id, copies) = try console.withProgress { try CopyJob(settings: settings, console: console).run(set == "latest" ? nil : set, from: from, to: targets) }
        AuditNotes.shared.note(sets: [id.rawValue], tiers: copies.map(\.tier))
        if json {
            struct Copied: Encodable { let set: String; let tiers: [String] }
            try Output.json(Copied(set: id.rawValue, tiers: copies.map(\.tier)), schema: "copy/1")
        } else {
            Output.line("\(id) is in: \(copies.map(\.tier).joined(separator: ", "))")
        }
    }
}
