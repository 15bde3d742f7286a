/// One environment variable Lifeboat reads: its name, default, whether it
/// is a secret (never printed), and what a valid value looks like.
public struct VariableSpec: Sendable {
    public let name: String
    public let defaultValue: String?
    public let isSecret: Bool
    public let help: String

    public init(_ name: String, default defaultValue: String? = nil, secret: Bool = false, help: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.help = help
    }
}

extension VariableSpec {
    /// Every variable of this version, in the order `lifeboat config` shows them.
    public static let all: [VariableSpec] = [
        VariableSpec("BACKUP_DIR", default: "/backup", help: "absolute path of the local tier"),
        VariableSpec("BACKUP_RETENTION_DAYS", default: "30", help: "whole days to keep sets, 1-36500"),
        VariableSpec("BACKUP_SCHEDULE", default: "0 2 * * *", help: "cron expression for the daily full backup"),
        VariableSpec("TZ", default: "UTC", help: "time zone for schedules, e.g. Europe/Berlin"),
        VariableSpec("UPLOADS_DIR", help: "absolute path of the uploads tree (component 'files')"),
        VariableSpec("CONFIG_PATHS", help: "comma-separated absolute paths of config files and folders (component 'config')"),
        VariableSpec("BACKUP_COMPRESSION", default: "zstd", help: "zstd, gzip or none"),
        VariableSpec("BACKUP_COMPRESSION_LEVEL", help: "zstd 1-19 (default 3), gzip 1-9 (default 6)"),
        VariableSpec("BACKUP_SKIP_UNREADABLE", default: "false", help: "true to skip unreadable files with a warning instead of failing the set"),
        VariableSpec("BACKUP_ENCRYPTION_RECIPIENTS", help: "age X25519 recipients (age1…), comma-separated: artifacts are encrypted to them"),
        VariableSpec("BACKUP_ENCRYPTION_IDENTITY_FILE", help: "an age identity file (AGE-SECRET-KEY-1…), to verify and restore encrypted sets"),
        VariableSpec("MONGO_URI", help: "MongoDB connection string (component 'mongo'); its password is never shown"),
        VariableSpec("REDIS_URL", help: "redis://[user:password@]host:port/ (component 'redis'); its password is never shown"),
        VariableSpec("DOCKER_HOST", default: "unix:///var/run/docker.sock", help: "the Docker engine's socket, for stopping containers around restores"),
        VariableSpec("COMPOSE_PROJECT_NAME", help: "the Compose project whose containers restores stop and start (default: the sidecar's own project)"),
        VariableSpec("LIFEBOAT_STOP_DURING_RESTORE", default: "true", help: "stop containers labelled lifeboat.stop-during-restore=true during restores"),
        VariableSpec("REDIS_RESTORE_METHOD", default: "replication", help: "replication (online, no restart) or file (stop the Redis container, replace its RDB, start it)"),
        VariableSpec("REDIS_DATA_DIR", help: "the Redis data folder as mounted in this container, for file restores without the archive API"),
        VariableSpec("LIFEBOAT_REDIS_SERVICE", default: "redis", help: "the Compose service of the Redis container (file restores)"),
        VariableSpec("LIFEBOAT_MONGO_SERVICE", default: "mongodb", help: "the Compose service of the MongoDB container"),
        VariableSpec("VERIFY_MONGO_URI", help: "server for `verify --deep` test restores (default: MONGO_URI)"),
        VariableSpec("MONGO_PARALLEL_COLLECTIONS", default: "4", help: "collections dumped and restored at once, 1-32"),
        VariableSpec("MONGO_USERS_AND_ROLES", default: "false", help: "also back up admin.system.users and admin.system.roles"),
        VariableSpec("MONGO_OPLOG", default: "true", help: "capture the oplog written during a dump (replica sets), for a consistent point in time"),
    ]
}
