import ArgumentParser
import LifeboatConfiguration
import LifeboatCore
import Storage

struct RestoreCommand: AuditedCommand {
    var auditOperation: String? { "restore" }
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore MongoDB, Redis, files and config from a set.",
        discussion: """
        Before anything changes, every selected artifact is checked against its
        manifest and every destination is looked at; any refusal (data already
        there, a damaged artifact) stops the whole restore with nothing changed,
        naming each problem and the components that can go ahead. Then each
        component is restored; when one fails the others still run, and the
        last line names what was restored and what was NOT (exit non-zero).

        --overwrite means replace, for every component: the uploads tree is
        extracted beside its folder and swapped in whole (the previous contents
        are kept beside it); config files are replaced; Redis's data is replaced;
        MongoDB collections of the set are dropped and restored (--drop is its
        synonym). --merge inserts into MongoDB only the documents whose _id is
        not there, and counts the rest. Without either, a destination that holds
        data is refused, naming what is there. Collections come back with their
        options, indexes and views, the oplog captured during the dump is
        replayed, and the counts are checked against the manifest. Redis is
        restored online into REDIS_URL: it replicates the snapshot from Lifeboat
        and is promoted back, with no restart (its AOF, if on, is rewritten).

        With --to DIR the files and config are restored under DIR instead:
        DIR/files holds the uploads tree, DIR/config/<original path> each config
        file. MongoDB is restored into MONGO_URI: --ns-from/--ns-to restore only
        the namespaces they rename (add --ns to restore more). Redis goes into
        REDIS_URL. Containers labelled lifeboat.stop-during-restore=true are
        stopped only when the restore writes live data (the original folders,
        the server and databases the set came from); --stop-containers and
        --no-stop-containers decide otherwise.

        --include GLOB (repeatable) restores only the files and config entries
        it selects (a folder with everything below it), to their place or under
        --to DIR; an entry that exists is refused without --overwrite, and
        nothing else is touched. From S3 only the frames holding them are
        downloaded. `lifeboat find` tells which set has a file.

        Examples:
          lifeboat restore --to /tmp/check
          lifeboat restore latest --include 'invoices/2026/invoice-0042.pdf'
          lifeboat restore 20260122T020000Z-full-3f9a --include 'invoices/2026' --to /tmp/old
          lifeboat restore latest --from s3 --overwrite
          lifeboat restore latest --components config --overwrite
          lifeboat restore 20260122T020000Z-full-3f9a --components files --overwrite
          lifeboat restore --components mongo --ns-from 'alawael.*' --ns-to 'restored.*'
          lifeboat restore --components mongo --ns 'alawael.users' --overwrite
          lifeboat restore --components mongo --merge
          REDIS_URL=redis://:password@redis-new:6379/ lifeboat restore --components redis
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id, or 'latest'.")
    var set: String = "latest"

    @Option(help: "The tier to restore from: local, s3 or glacier (default: local, then the remote tiers when the set is not local).")
    var from: String?

    @Option(help: "Comma-separated components to restore (default: all in the set).")
    var components: String?

    @Option(name: .customLong("to"), help: "Restore under this folder instead of the original places.")
    var destination: String?

    @Flag(help: "Replace existing files (the uploads folder's previous contents are kept aside).")
    var overwrite = false

    @Option(name: .customLong("ns"), help: "MongoDB namespaces to restore (repeatable).")
    var namespaces: [String] = []

    @Option(name: .customLong("ns-exclude"), help: "MongoDB namespaces to leave out (repeatable).")
    var excludedNamespaces: [String] = []

    @Option(name: .customLong("ns-from"), help: "Rename on restore: source pattern, paired with --ns-to (repeatable).")
    var renameFrom: [String] = []

    @Option(name: .customLong("ns-to"), help: "Rename on restore: target pattern, e.g. 'restored.*'.")
    var renameTo: [String] = []

    @Flag(help: "MongoDB: the same as --overwrite (drop each restored collection, then restore it).")
    var drop = false

    @Flag(help: "MongoDB: insert only the documents whose _id is not there yet, and count the rest (instead of refusing a collection that holds documents).")
    var merge = false

    @Flag(inversion: .prefixedNo, help: "Stop the containers labelled lifeboat.stop-during-restore=true during the restore (default: only when it writes live data).")
    var stopContainers: Bool?

    @Flag(help: "Do not replay the oplog captured during the dump.")
    var noOplogReplay = false

    @Option(name: .customLong("to-time"), help: "Point-in-time recovery of MongoDB: a UTC time (2026-01-22T10:15:00Z) or an oplog position (seconds:ordinal); the newest full set before it is restored and the chain's oplog replayed up to and including it.")
    var toTime: String?

    @Option(help: "Restore only the files and config entries matching this glob (repeatable): a name (*.pdf), a path from the uploads folder (invoices/2026), or an absolute config path.")
    var include: [String] = []

    @Flag(help: "Print the outcome as JSON (schema lifeboat.restore/1, docs/json.md).")
    var json = false

    @Option(help: "How to restore Redis: replication (online, the default) or file (stop its container, replace the RDB, start it). Overrides REDIS_RESTORE_METHOD.")
    var redisMethod: String?

    func validate() throws {
        if let destination, !destination.hasPrefix("/") {
            throw ValidationError("--to must be an absolute path")
        }
        if renameFrom.count != renameTo.count {
            throw ValidationError("--ns-from and --ns-to come in pairs")
        }
        if toTime != nil, set != "latest" {
            throw ValidationError("--to-time picks the set itself; leave out the set id")
        }
        if toTime != nil, let components, components != "mongo" {
            throw ValidationError("--to-time restores MongoDB only (--components mongo); files, Redis and config come whole from a set: give its id")
        }
        if merge && (overwrite || drop) {
            throw ValidationError("--merge keeps what MongoDB holds, --overwrite/--drop replace it: give one")
        }
        if !include.isEmpty {
            if toTime != nil { throw ValidationError("--include takes files and config entries; --to-time restores MongoDB: give one") }
            if merge || drop || !namespaces.isEmpty || !excludedNamespaces.isEmpty || !renameFrom.isEmpty {
                throw ValidationError("--include takes files and config entries; the MongoDB options (--merge, --drop, --ns…) do not apply to it")
            }
        }
        if let redisMethod, !["replication", "file"].contains(redisMethod) {
            throw ValidationError("--redis-method must be replication or file")
        }
    }

    func run() throws {
        if !include.isEmpty { return try runSelective() }
        let settings = try global.settings(redisMethod.map { ["REDIS_RESTORE_METHOD": $0] } ?? [:])
        let selection = try NamespaceOptions.selection(include: namespaces, exclude: excludedNamespaces, from: renameFrom, to: renameTo)
        var options = RestoreJob.Options(components: try components.map(Component.parseList), destination: destination, overwrite: overwrite,
                                         mongoSelection: selection, drop: drop, replayOplog: !noOplogReplay)
        options.merge = merge
        options.stopContainers = stopContainers
        // With --to-time: the first tier whose chains cover the moment (local, then S3, Glacier), or --from's.
        // One set of tiers for the lookup and the restore (an SFTP target's session is reused).
        let tiers = try Tiers(settings)
        let (tier, entry, limit) = try TieredCatalog(tiers: tiers).resolve(set == "latest" ? nil : set, from: from, components: options.components,
                                                                                        moment: try toTime.map(PointInTime.parse))
        AuditNotes.shared.note(sets: [entry.id.rawValue], tiers: [entry.tier], components: (options.components ?? entry.manifest.artifacts.map(\.component)).map(\.rawValue))
        if let toTime, let limit {
            options.components = [.mongo]
            options.oplogLimit = limit
            if !json { Output.line("point in time \(toTime): set \(entry.id) in \(entry.tier) and its chain, oplog replayed up to \(limit)") }
        }
        let console = Console.terminal(progress: settings.showProgress)
        do {
            // Without --from (and --to-time, whose chain is one tier's), a
            // copy that cannot be used gives way to the next tier's copy of
            // the same set, in RESTORE_ORDER; the run says so.
            let fallback = from == nil && toTime == nil
            let outcome = try console.withProgress {
                try RestoreFallback(tiers: tiers, console: console, enabled: fallback).run(entry.id, first: tier) { source in
                    AuditNotes.shared.note(tiers: [source.name])
                    return try RestoreJob(settings: settings, tier: source, console: console).runOrReportUnusable(entry.id.rawValue, options: options)
                }
            }
            if json { try Output.json(RestoreResult(outcome, failures: [], pointInTime: options.oplogLimit.map { "\($0)" }), schema: "restore/1") } else {
                Output.line("restored \(outcome.id): " + Self.describe(outcome))
            }
        } catch let partial as RestoreJob.PartialFailure {
            if json {
                try Output.json(RestoreResult(partial.outcome, failures: partial.failures.map { ($0.0, $0.1.message) }, pointInTime: options.oplogLimit.map { "\($0)" }), schema: "restore/1")
            } else {
                for (component, error) in partial.failures { Output.line("NOT restored: \(component.rawValue): \(error.message)") }
                if !partial.outcome.restored.isEmpty { Output.line("restored: " + Self.describe(partial.outcome)) }
            }
            throw partial.error
        }
    }

    /// --include: only the chosen entries, checked, then placed.
    private func runSelective() throws {
        let settings = try global.settings()
        let tiers = try Tiers(settings)
        let chosen = try components.map(Component.parseList)
        let (tier, entry) = try TieredCatalog(tiers: tiers).resolve(set == "latest" ? nil : set, from: from, components: chosen)
        AuditNotes.shared.note(sets: [entry.id.rawValue], tiers: [entry.tier], components: (chosen ?? SelectiveRestore.components).map(\.rawValue))
        let options = SelectiveRestore.Options(patterns: try include.map(PathPattern.init), components: chosen, destination: destination, overwrite: overwrite)
        let outcome = try SelectiveRestore(settings: settings, tier: tier, console: Console.terminal(progress: settings.showProgress)).run(entry.manifest, options: options)
        let checked = outcome.wholeArtifactsChecked ? "artifacts' SHA-256 checked" : "frames, tags and sizes checked; `lifeboat verify \(outcome.id)` checks the whole set"
        let notes = ["read \(Output.bytes(outcome.transferred)) from \(outcome.tier)", checked]
        if json {
            let restored = outcome.placed.map { RestoreResult.Restored(component: $0.component.rawValue, to: $0.root) }
            try Output.json(RestoreResult(set: outcome.id.rawValue, restored: restored, notRestored: [], keptPrevious: [], notes: notes, pointInTime: nil), schema: "restore/1")
            return
        }
        Output.line("restored \(outcome.id): " + outcome.placed.map { placed in
            "\(placed.component.rawValue): \(placed.files) files (\(Output.bytes(placed.bytes)))"
                + (placed.links > 0 ? ", \(placed.links) symlinks" : "") + (placed.folders > 0 ? ", \(placed.folders) folders" : "")
                + (placed.replaced > 0 ? " (\(placed.replaced) replaced)" : "") + " → \(placed.root)"
        }.joined(separator: ", ") + " (" + notes.joined(separator: "; ") + ")")
    }

    static func describe(_ outcome: RestoreJob.Outcome) -> String {
        outcome.restored.map { "\($0.0.rawValue) → \($0.1)" }.joined(separator: ", ")
            + (outcome.notes.isEmpty ? "" : " (" + outcome.notes.joined(separator: "; ") + ")")
    }
}
