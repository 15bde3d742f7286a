import ArgumentParser
import Foundation
import Configuration
import LifeboatCore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the complete backup sets.",
        discussion: """
        Shows id, kind, creation time (UTC), age, stored size, components and
        verification state. Interrupted (incomplete) sets are never listed.

        Examples:
          lifeboat list
          lifeboat list --json | jq -r '.[-1].id'
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    struct Row: Encodable {
        let id: String
        let tier: String
        let kind: String
        let label: String?
        let created: Date
        let finished: Date
        let storedBytes: Int64
        let components: [String]
        let verification: String
        let verifiedAt: Date?
    }

    func run() throws {
        let settings = try global.settings()
        let listing: SetCatalog.Listing
        do {
            listing = try SetCatalog(localTierOf: settings).list()
        } catch {
            throw LifeboatError.wrap(error, doing: "listing \(settings.backupDirectory)")
        }
        let rows = listing.complete.map { entry in
            Row(id: entry.id.rawValue, tier: entry.tier, kind: entry.manifest.kind.rawValue, label: entry.manifest.label,
                created: entry.manifest.startedAt, finished: entry.manifest.finishedAt, storedBytes: entry.manifest.storedBytes,
                components: entry.manifest.components.map(\.rawValue), verification: entry.verificationState.rawValue,
                verifiedAt: entry.verification?.checkedAt)
        }
        if json {
            try Output.json(rows)
        } else if rows.isEmpty {
            Output.line("no complete backup sets in \(settings.backupDirectory)")
        } else {
            let formatter = ISO8601DateFormatter()
            Output.table(["ID", "TIER", "KIND", "CREATED (UTC)", "AGE", "SIZE", "COMPONENTS", "VERIFIED"], rows.map { row in
                [row.id, row.tier, row.kind, formatter.string(from: row.created), Output.age(since: row.created),
                 Output.bytes(row.storedBytes), row.components.joined(separator: ","), row.verification]
            })
        }
        for (id, problem) in listing.unreadable { Output.warning("set \(id) is not listed: \(problem)") }
        if !listing.incomplete.isEmpty {
            Output.warning("\(listing.incomplete.count) incomplete set(s) from interrupted backups are hidden; the next backup or prune removes them")
        }
    }
}
