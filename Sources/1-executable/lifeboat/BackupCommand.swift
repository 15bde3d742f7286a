import ArgumentParser
import ByteStreams
import LifeboatConfiguration
import LifeboatCore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take a backup set now.",
        discussion: """
        Each component becomes one artifact in a new set under BACKUP_DIR; the
        set's manifest is written last, so an interrupted backup never lists as
        complete. The set is then copied to each remote tier (S3 when
        AWS_S3_BUCKET is set; Glacier with --tier glacier), artifacts first
        and the manifest last there too. Components: mongo (MONGO_URI), redis (REDIS_URL), files
        (UPLOADS_DIR), config (CONFIG_PATHS). The mongo artifact is a mongodump
        archive (with the oplog written during the dump, on a replica set); the
        redis artifact an RDB snapshot taken over the replication protocol, as
        `redis-cli --rdb` does, with no access to the Redis container's files.

        Examples:
          lifeboat backup
          lifeboat backup --components files --label before-upgrade
          lifeboat backup --tier local,s3,glacier      # the weekly archive
          lifeboat backup --kind incremental           # the oplog since the last set
          lifeboat backup --components mongo --ns 'alawael.*' --ns-exclude 'alawael.sessions'
          UPLOADS_DIR=/data/uploads CONFIG_PATHS=/app/.env,/etc/nginx/nginx.conf lifeboat backup
        """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Comma-separated components to back up (default: every configured one).")
    var components: String?

    @Option(help: "A note stored in the manifest.")
    var label: String?

    @Option(help: "zstd, gzip or none (overrides BACKUP_COMPRESSION).")
    var compression: String?

    @Flag(help: "Leave unreadable files out with a warning instead of failing (BACKUP_SKIP_UNREADABLE).")
    var skipUnreadable = false

    @Option(name: .customLong("ns"), help: "MongoDB namespaces to dump, e.g. 'alawael.*' (repeatable; default: all but admin, local, config).")
    var namespaces: [String] = []

    @Option(name: .customLong("ns-exclude"), help: "MongoDB namespaces to leave out, e.g. 'alawael.sessions' (repeatable).")
    var excludedNamespaces: [String] = []

    @Option(help: "full (default) or incremental: MongoDB's oplog since the newest set (the other components whole); a full set when there is nothing to build on or the oplog has a gap.")
    var kind: String = "full"

    @Option(help: "Comma-separated tiers to keep the set in: local, s3, glacier (default: local, and s3 when AWS_S3_BUCKET is set).")
    var tier: String?

    @Flag(help: "Print the new set as JSON (schema lifeboat.backup/1, docs/json.md) instead of its id.")
    var json = false

    @Flag(name: .customLong("users"), help: "Also back up MongoDB users and roles from admin (MONGO_USERS_AND_ROLES).")
    var usersAndRoles = false

    func validate() throws {
        if let compression, CompressionAlgorithm(rawValue: compression.lowercased()) == nil {
            throw ValidationError("--compression must be one of zstd, gzip, none")
        }
        if !["full", "incremental", "incr"].contains(kind) {
            throw ValidationError("--kind must be full or incremental")
        }
        if let label, label.count > 200 {
            throw ValidationError("--label is limited to 200 characters")
        }
    }

    func run() throws {
        var overrides: [String: String] = [:]
        if let compression { overrides["BACKUP_COMPRESSION"] = compression }
        if skipUnreadable { overrides["BACKUP_SKIP_UNREADABLE"] = "true" }
        if usersAndRoles { overrides["MONGO_USERS_AND_ROLES"] = "true" }
        let settings = try global.settings(overrides, strictNames: true)
        let requested = try components.map(Component.parseList)
        let selection = try NamespaceOptions.selection(include: namespaces, exclude: excludedNamespaces)
        let targets = try tier.map { try Tiers(settings).parseList($0) }
        let manifest: Manifest
        do {
            let console = Console.terminal(progress: settings.showProgress)
            manifest = try console.withProgress { try BackupJob(settings: settings, console: console).run(components: requested, label: label, mongoSelection: selection, targets: targets,
                                                                                           kind: kind == "full" ? .full : .incremental) }
        } catch let failure as BackupJob.CopyFailure {
            // The set exists, locally.
            if json { try Output.json(BackupResult(failure.manifest, copyFailed: failure.error.message), schema: "backup/1") } else { Output.line(failure.manifest.id.rawValue) }
            throw failure.error
        } catch let missing as BackupJob.ComponentMissing {
            throw missing.error
        }
        if json { try Output.json(BackupResult(manifest, copyFailed: nil), schema: "backup/1") } else { Output.line(manifest.id.rawValue) }
        if let anomalies = manifest.anomalies, !anomalies.isEmpty {
            throw LifeboatError(.sizeAnomaly, "BACKUP_SIZE_ANOMALY: set \(manifest.id) is complete and kept, but " + anomalies.map(\.description).joined(separator: "; "),
                                hint: "check the source (an empty mount, a wrong database or URI); BACKUP_SIZE_DROP_PERCENT sets the threshold")
        }
    }
}
