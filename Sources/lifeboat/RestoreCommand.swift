import ArgumentParser
import LifeboatCore

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore MongoDB, Redis, files and config from a set.",
        discussion: """
        Every artifact is verified while it is restored; nothing live changes
        unless it matches its manifest. The uploads tree is extracted beside its
        folder and swapped in whole; the previous contents are kept beside it.
        Existing files are replaced only with --overwrite. MongoDB collections are
        restored with their options, indexes and views; documents that collide
        with existing ones are counted and skipped (use --drop to replace), and
        the oplog captured during the dump is replayed. Redis is restored online
        into REDIS_URL: Redis replicates the snapshot from Lifeboat and is then
        promoted back, with no restart (its AOF, if on, is rewritten); a Redis
        that holds keys is replaced only with --overwrite.

        With --to DIR the files and config are restored under DIR instead:
        DIR/files holds the uploads tree, DIR/config/<original path> each config
        file. MongoDB is always restored into MONGO_URI (rename with --ns-from
        and --ns-to to keep the live data apart), Redis into REDIS_URL.

        Examples:
          lifeboat restore --to /tmp/check
          lifeboat restore latest --from s3 --overwrite
          lifeboat restore latest --components config --overwrite
          lifeboat restore 20260122T020000Z-full-3f9a --components files --overwrite
          lifeboat restore --components mongo --ns-from 'alawael.*' --ns-to 'restored.*'
          lifeboat restore --components mongo --ns 'alawael.users' --drop
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

    @Flag(help: "Drop each MongoDB collection before restoring it.")
    var drop = false

    @Flag(help: "Do not replay the oplog captured during the dump.")
    var noOplogReplay = false

    @Option(name: .customLong("to-time"), help: "Point-in-time recovery of MongoDB: a UTC time (2026-01-22T10:15:00Z) or an oplog position (seconds:ordinal); the newest full set before it is restored and the chain's oplog replayed up to and including it.")
    var toTime: String?

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
        if let redisMethod, !["replication", "file"].contains(redisMethod) {
            throw ValidationError("--redis-method must be replication or file")
        }
    }

    func run() throws {
        let settings = try global.settings(redisMethod.map { ["REDIS_RESTORE_METHOD": $0] } ?? [:])
        let selection = try NamespaceOptions.selection(include: namespaces, exclude: excludedNamespaces, from: renameFrom, to: renameTo)
        var options = RestoreJob.Options(components: try components.map(Component.parseList), destination: destination, overwrite: overwrite,
                                         mongoSelection: selection, drop: drop, replayOplog: !noOplogReplay)
        var (tier, entry) = try TieredCatalog(tiers: try Tiers(settings)).resolve(set == "latest" ? nil : set, from: from)
        if let toTime {
            let moment = try PointInTime.parse(toTime)
            let (target, limit, _) = try PointInTime(tier: tier).resolve(moment)
            entry = try SetCatalog(tier: tier).resolve(target.rawValue)
            options.components = [.mongo]
            options.oplogLimit = limit
            Output.line("point in time \(toTime): set \(target) and its chain, oplog replayed up to \(limit)")
        }
        let console = Console.terminal()
        let outcome = try console.withProgress { try RestoreJob(settings: settings, tier: tier, console: console).run(entry.id.rawValue, options: options) }
        Output.line("restored \(outcome.id): " + outcome.restored.map { "\($0.0.rawValue) → \($0.1)" }.joined(separator: ", "))
    }
}
