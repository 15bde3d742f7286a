import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the complete backup sets in every tier.",
        discussion: """
        Shows id, the tiers holding a complete copy (local, s3, glacier),
        kind, creation time (UTC), age, stored size, components and
        verification state. Sets that exist only remotely (after the local
        disk was lost) are listed too. Interrupted (incomplete) sets never are.

        Examples:
          lifeboat list
          lifeboat list --tier s3
          lifeboat list --json | jq -r '.sets[-1].id'
        """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Comma-separated tiers to list (default: every configured tier).")
    var tier: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    struct Row: Encodable {
        let id: String
        /// The first tier holding it (local when it is local).
        let tier: String
        let tiers: [String]
        let kind: String
        let parent: String?
        let base: String?
        let label: String?
        let created: Date
        let finished: Date
        let storedBytes: Int64
        let components: [String]
        let verification: String
        let verificationByTier: [String: String]
        let verifiedAt: Date?
        /// `quick` or `deep`: how the newest verification looked (absent before it was recorded).
        let verificationDepth: String?
        /// Components whose last verification found them at fault (the others restore).
        let damagedComponents: [String]
        /// BACKUP_SIZE_ANOMALY findings recorded with the set.
        let anomalies: [SizeAnomaly.Finding]
        /// Per component, the version of what it holds where it has one (code: its commit).
        let versions: [String: String]
    }

    func run() throws {
        let settings = try global.settings()
        let tiers = try Tiers(settings)
        let names = try tier.map { try tiers.parseList($0) }
        let listing = try TieredCatalog(tiers: tiers).list(only: names)
        let rows = listing.rows.map { row in
            Row(id: row.id.rawValue, tier: row.tierNames[0], tiers: row.tierNames, kind: row.manifest.kind.rawValue, parent: row.manifest.parent?.rawValue,
                base: row.manifest.base?.rawValue, label: row.manifest.label,
                created: row.manifest.startedAt, finished: row.manifest.finishedAt, storedBytes: row.manifest.storedBytes,
                components: row.manifest.components.map(\.rawValue), verification: row.verificationState.rawValue,
                verificationByTier: Dictionary(row.entries.map { ($0.tier, $0.verificationState.rawValue) }, uniquingKeysWith: { a, _ in a }),
                verifiedAt: row.entries.compactMap { $0.verification?.checkedAt }.max(),
                verificationDepth: row.entries.compactMap(\.verification).max { $0.checkedAt < $1.checkedAt }?.depth?.rawValue,
                damagedComponents: Array(Set(row.entries.flatMap(\.failedComponents))).sorted().map(\.rawValue),
                anomalies: row.manifest.anomalies ?? [],
                versions: Dictionary(row.manifest.artifacts.compactMap { a in a.contentVersion.map { (a.component.rawValue, $0) } }, uniquingKeysWith: { a, _ in a }))
        }
        if json {
            struct Listing: Encodable {
                let sets: [Row]
                /// Interrupted sets (never listed as sets, never restorable) and the tier holding each.
                let incomplete: [[String: String]]
            }
            try Output.json(Listing(sets: rows, incomplete: listing.incomplete.map { ["tier": $0.tier, "id": $0.id.rawValue] }), schema: "list/1")
        } else if rows.isEmpty {
            if (names == nil || names!.contains("local")), !FileManager.default.fileExists(atPath: settings.backupDirectory), listing.failures.isEmpty {
                throw LifeboatError(.failure, "BACKUP_DIR \(settings.backupDirectory) does not exist: no backup was taken here, or the backup volume is not mounted",
                                    hint: tiers.remote.isEmpty ? "mount the backup volume at BACKUP_DIR, or set AWS_S3_BUCKET to list the sets in S3"
                                                               : "the remote tiers hold no complete set either; check BACKUP_DIR and AWS_S3_BUCKET")
            }
            Output.line("no complete backup sets in " + tiers.locations(names).joined(separator: ", "))
        } else {
            let formatter = ISO8601DateFormatter()
            Output.table(["ID", "TIERS", "KIND", "LABEL", "CREATED (UTC)", "AGE", "SIZE", "COMPONENTS", "VERIFIED"], rows.map { row in
                [row.id, row.tiers.joined(separator: ","), row.parent.map { "incr ← …" + $0.suffix(9) } ?? row.kind, row.label ?? "-",
                 formatter.string(from: row.created), Output.age(since: row.created),
                 Output.bytes(row.storedBytes), row.components.joined(separator: ","),
                 row.verification + (row.verificationDepth.map { " (\($0))" } ?? "") + (row.damagedComponents.isEmpty || row.damagedComponents.count == row.components.count ? "" : " (" + row.damagedComponents.joined(separator: ",") + ")")
                    + (row.anomalies.isEmpty ? "" : " ANOMALY")]
            })
            for row in rows where !row.versions.isEmpty {
                Output.line("  \(row.id): " + row.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; "))
            }
            for row in rows where !row.anomalies.isEmpty {
                Output.line("  \(row.id): BACKUP_SIZE_ANOMALY: \(row.anomalies.map(\.description).joined(separator: "; "))")
            }
        }
        for (tier, id, problem) in listing.unreadable { Output.warning("set \(id) in \(tier) is not listed: \(problem)") }
        if !listing.incomplete.isEmpty {
            // A backup running now writes an incomplete set too: tell the two apart by the lock.
            let running = BackupLock.holder(of: settings.backupDirectory)
            for (tier, id) in listing.incomplete {
                if let running, tier == "local", id == listing.incomplete.filter({ $0.tier == "local" }).map(\.id).max() {
                    Output.warning("set \(id) (\(tier)) is being written now (\(running)); it is listed once complete")
                } else {
                    Output.warning("set \(id) (\(tier)) is incomplete: an interrupted backup or copy; it is not listed or restorable, and the next backup or prune removes it")
                }
            }
        }
        if let failure = listing.failures.first {
            let others = listing.failures.dropFirst().map(\.error.message)
            throw LifeboatError(failure.error.status, ([failure.error.message] + others).joined(separator: "; "),
                                hint: (failure.error.hint.map { $0 + "; " } ?? "") + "the sets of the other tiers are listed above")
        }
    }
}
