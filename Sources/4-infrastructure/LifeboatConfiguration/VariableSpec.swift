import Foundation

/// One environment variable Lifeboat reads: its name, default, whether it
/// is a secret (never printed), and what a valid value looks like.
public struct VariableSpec: Sendable {
    public let name: String
    public let defaultValue: String?
    public let isSecret: Bool
    public let kind: VariableKind
    public let help: String

    public init(_ name: String, default defaultValue: String? = nil, secret: Bool = false, kind: VariableKind = .text, help: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.kind = kind
        self.help = help
    }
}

extension VariableSpec {
    /// Every variable of this version, in the order `lifeboat config` shows them.
    public static let all: [VariableSpec] = [
        VariableSpec("BACKUP_DIR", default: "/backup", kind: .absolutePath(example: "/backup"), help: "absolute path of the local tier"),
        VariableSpec("BACKUP_RETENTION_DAYS", kind: .wholeNumber(1...36_500), help: "days to keep sets in every tier without its own *_RETENTION_DAYS"),
        VariableSpec("LOCAL_RETENTION_DAYS", kind: .wholeNumber(1...36_500), help: "days the local tier keeps sets (default: BACKUP_RETENTION_DAYS, else 7)"),
        VariableSpec("S3_RETENTION_DAYS", kind: .wholeNumber(1...36_500), help: "days the S3 tier keeps sets (default: BACKUP_RETENTION_DAYS, else 30)"),
        VariableSpec("GLACIER_RETENTION_DAYS", kind: .wholeNumber(1...36_500), help: "days the Glacier tier keeps sets (default: BACKUP_RETENTION_DAYS, else 90)"),
        VariableSpec("BACKUP_KEEP_LAST", default: "0", kind: .wholeNumber(0...10_000), help: "also keep the newest N sets in each tier, whatever their age"),
        VariableSpec("BACKUP_KEEP_DAILY", default: "0", kind: .wholeNumber(0...10_000), help: "also keep the newest set of each of the last N days that have sets"),
        VariableSpec("BACKUP_KEEP_WEEKLY", default: "0", kind: .wholeNumber(0...10_000), help: "also keep the newest set of each of the last N ISO weeks that have sets"),
        VariableSpec("BACKUP_KEEP_MONTHLY", default: "0", kind: .wholeNumber(0...10_000), help: "also keep the newest set of each of the last N months that have sets"),
        VariableSpec("BACKUP_LOCAL", default: "true", kind: .flag, help: "false to keep sets only remotely (BACKUP_DIR is then a staging area)"),
        VariableSpec("AWS_S3_BUCKET", kind: .bucket, help: "bucket[/prefix] of the S3 tier; sets are copied there after each backup"),
        VariableSpec("AWS_REGION", kind: .region, help: "the bucket's region (default: AWS_DEFAULT_REGION, else us-east-1)"),
        VariableSpec("AWS_DEFAULT_REGION", kind: .region, help: "the region when AWS_REGION is not set, as the AWS CLI reads it"),
        VariableSpec("AWS_ACCESS_KEY_ID", help: "S3 access key id"),
        VariableSpec("AWS_SECRET_ACCESS_KEY", secret: true, help: "S3 secret access key"),
        VariableSpec("AWS_SESSION_TOKEN", secret: true, help: "session token of temporary credentials"),
        VariableSpec("AWS_ENDPOINT_URL", kind: .url(schemes: ["http://", "https://"], example: "http://minio:9000"), help: "an S3-compatible server instead of AWS, e.g. http://minio:9000"),
        VariableSpec("AWS_S3_PATH_STYLE", default: "false", kind: .flag, help: "true for https://host/bucket/key addressing (automatic for IP addresses)"),
        VariableSpec("S3_PART_SIZE_MB", default: "6", kind: .wholeNumber(5...5120), help: "multipart part size in MiB (doubling every 2,000 parts); memory is (S3_PARALLEL_UPLOADS + 1) parts"),
        VariableSpec("S3_PARALLEL_UPLOADS", default: "2", kind: .wholeNumber(1...32), help: "parts uploaded at once"),
        VariableSpec("S3_MAX_ATTEMPTS", default: "6", kind: .wholeNumber(1...20), help: "attempts per S3 request (backoff with jitter between them)"),
        VariableSpec("S3_STALL_SECONDS", default: "30", kind: .wholeNumber(1...3600), help: "a transfer that moves no byte for this long is dropped and retried"),
        VariableSpec("S3_TIMEOUT_SECONDS", default: "300", kind: .wholeNumber(5...86_400), help: "one S3 request's whole budget, retries included; after it the server counts as down for the rest of the run (later requests fail at once, the backup ends with its local set complete)"),
        VariableSpec("S3_OBJECT_LOCK", default: "off", kind: .choice(["off", "governance", "compliance"]), help: "write every object of the S3 and Glacier tiers with an S3 Object Lock lasting the tier's retention (the bucket must have Object Lock on): the credentials that wrote a set cannot delete or overwrite it before then; compliance: no one can"),
        VariableSpec("GLACIER_S3_BUCKET", kind: .bucket, help: "bucket[/prefix] of the Glacier tier (default: AWS_S3_BUCKET under glacier/)"),
        VariableSpec("GLACIER_STORAGE_CLASS", default: "GLACIER", kind: .choice(["GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"]), help: "GLACIER, DEEP_ARCHIVE or GLACIER_IR, for the Glacier tier's artifacts"),
        VariableSpec("GLACIER_RESTORE_DAYS", default: "7", kind: .wholeNumber(1...365), help: "days a thawed Glacier copy stays readable (`lifeboat thaw`)"),
        VariableSpec("GLACIER_RETRIEVAL_TIER", default: "Standard", kind: .choice(["Standard", "Bulk", "Expedited"]), help: "Standard, Bulk or Expedited (`lifeboat thaw`)"),
        VariableSpec("TARGETS", kind: .list, help: "more places sets are copied to, by name (lowercase letters and digits, e.g. offsite,vault), each configured by its TARGET_<NAME>_* variables below; in this order after s3"),
        VariableSpec("RESTORE_ORDER", kind: .list, help: "the tiers restore, verify and rebuild look in for a set, in order, falling back to the next when one is unreachable or its copy is damaged (default: local, s3, the TARGETS, glacier)"),
        VariableSpec("COST_PRICES", kind: .list, help: "`report --costs`: USD per GB-month by storage class, e.g. STANDARD=0.023,GLACIER=0.0036,DEEP_ARCHIVE=0.00099 (default: approximate AWS us-east-1 list prices; local is 0)"),
        VariableSpec("BACKUP_SCHEDULE", default: "0 2 * * *", kind: .cron(), help: "cron expression for the daily full backup"),
        VariableSpec("BACKUP_ARCHIVE_SCHEDULE", default: "0 1 * * 0", kind: .cron(), help: "cron for the weekly archive to the Glacier tier (`serve`)"),
        VariableSpec("BACKUP_SNAPSHOT_SCHEDULE", default: "0 3 1 * *", kind: .cron(), help: "cron for the monthly snapshot (`serve`; kept by BACKUP_KEEP_MONTHLY)"),
        VariableSpec("DOCTOR_SCHEDULE", default: "30 5 * * *", kind: .cron(offAllowed: true), help: "`serve`: cron for `doctor` (also run at start; its FAIL lines alert DOCTOR_FAILED), or off"),
        VariableSpec("VERIFY_SCHEDULE", default: "0 4 * * 0", kind: .cron(), help: "cron for the deep verification (test restore) of the newest set (`serve`)"),
        VariableSpec("BACKUP_INCREMENTAL_SCHEDULE", default: "0 * * * *", kind: .cron(), help: "cron for hourly incrementals (used once incremental sets exist)"),
        VariableSpec("OPLOG_STREAM", default: "false", kind: .flag, help: "`serve`: seal an oplog slice (MongoDB-only incremental) every OPLOG_SLICE_SECONDS"),
        VariableSpec("OPLOG_SLICE_SECONDS", default: "60", kind: .wholeNumber(1...3600), help: "seconds between oplog slices with OPLOG_STREAM=true"),
        VariableSpec("BACKUP_CATCH_UP", default: "true", kind: .flag, help: "run a backup missed while the service was down, once, at start"),
        VariableSpec("SHUTDOWN_GRACE_SECONDS", default: "60", kind: .wholeNumber(0...3600), help: "on SIGTERM, how long a running backup may take to finish"),
        VariableSpec("LIFEBOAT_HTTP_ADDR", default: "0.0.0.0:8080", kind: .listenAddress, help: "address of /healthz, /metrics, /api/backups and the report page, or off"),
        VariableSpec("BACKUP_MAX_AGE", default: "26h", kind: .duration, help: "/healthz fails (and BACKUP_OVERDUE is sent) when the last backup is older"),
        VariableSpec("ALERT_WEBHOOK_URL", secret: true, kind: .url(schemes: ["http://", "https://"], example: "https://hooks.slack.com/services/…"), help: "JSON POST on failures (Slack-compatible `text` field)"),
        VariableSpec("ALERT_EMAIL_TO", kind: .list, help: "recipients of alert emails, comma-separated (needs ALERT_SMTP_URL and ALERT_EMAIL_FROM)"),
        VariableSpec("ALERT_EMAIL_FROM", help: "the sender address of alert emails, e.g. lifeboat@example.com"),
        VariableSpec("ALERT_SMTP_URL", kind: .url(schemes: ["smtp://", "smtps://"], example: "smtp://mail.example.com:587"), help: "the mail server for alert emails: smtp://host:587 (STARTTLS) or smtps://host:465 (TLS)"),
        VariableSpec("ALERT_SMTP_USER", help: "the mail server's login, when it asks for one"),
        VariableSpec("ALERT_SMTP_PASSWORD", secret: true, help: "the mail server's password"),
        VariableSpec("ALERT_SMTP_STARTTLS", default: "true", kind: .flag, help: "with smtp://, refuse to send unless the server offers STARTTLS (false only for a relay on a private network)"),
        VariableSpec("ALERT_SMTP_CA_FILE", kind: .absolutePath(example: "/run/secrets/mail-ca.pem"), help: "CA certificates for a mail server whose certificate the system does not trust"),
        VariableSpec("HEARTBEAT_URL", secret: true, kind: .url(schemes: ["http://", "https://"], example: "https://hc-ping.com/<uuid>"), help: "`serve`: a dead man's switch pinged at each scheduled backup's start (URL/start), success (URL) and failure (URL/fail), as healthchecks.io expects; silence there means the sidecar is down"),
        VariableSpec("ALERT_REPEAT_INTERVAL", default: "1h", kind: .duration, help: "the same alert is sent at most this often"),
        VariableSpec("LOG_FORMAT", default: "text", kind: .choice(["text", "json"]), help: "text (human lines) or json (one object a line)"),
        VariableSpec("TZ", default: "UTC", kind: .timeZone, help: "time zone for schedules, e.g. Europe/Berlin"),
        VariableSpec("BACKUP_COMPONENTS", kind: .list, help: "comma-separated components every backup takes: mongo, redis, files, config, code (default: each whose variable is set; printed at the start of every backup); a listed one without its variable is an error"),
        VariableSpec("BACKUP_SIZE_DROP_PERCENT", default: "50", kind: .wholeNumber(1...99), help: "BACKUP_SIZE_ANOMALY when a component's size or counts fall more than this below the median of its last 7 sets (or grow tenfold)"),
        VariableSpec("LIFEBOAT_PROGRESS", default: "auto", kind: .choice(["auto", "off"]), help: "off hides the progress line that backup, verify, restore and copy show on a terminal"),
        VariableSpec("UPLOADS_DIR", kind: .absolutePath(example: "/data/uploads"), help: "absolute path of the uploads tree (component 'files')"),
        VariableSpec("CONFIG_PATHS", kind: .absolutePaths(example: "/app/.env.production,/etc/nginx/nginx.conf"), help: "comma-separated absolute paths of config files and folders (component 'config')"),
        VariableSpec("APP_REPO_DIR", kind: .absolutePath(example: "/app", rootAllowed: false), help: "absolute path of the application's git repository (component 'code': a `git bundle create --all`, restorable with `git clone`)"),
        VariableSpec("BACKUP_COMPRESSION", default: "zstd", kind: .choice(["zstd", "gzip", "none"]), help: "zstd, gzip or none"),
        VariableSpec("BACKUP_COMPRESSION_LEVEL", kind: .wholeNumber(1...19), help: "zstd 1-19 (default 3), gzip 1-9 (default 6)"),
        VariableSpec("BACKUP_SKIP_UNREADABLE", default: "false", kind: .flag, help: "true to skip unreadable files with a warning instead of failing the set"),
        VariableSpec("BACKUP_ENCRYPTION_RECIPIENTS", kind: .list, help: "age X25519 recipients (age1…), comma-separated: artifacts are encrypted to them"),
        VariableSpec("BACKUP_ENCRYPTION_PASSPHRASE", secret: true, help: "an age passphrase (scrypt) to encrypt to, instead of or besides recipients"),
        VariableSpec("BACKUP_ENCRYPTION_IDENTITY_FILE", help: "an age identity file (AGE-SECRET-KEY-1…), to verify and restore encrypted sets"),
        VariableSpec("MONGO_URI", kind: .url(schemes: ["mongodb://", "mongodb+srv://"], example: "mongodb://user:password@mongodb:27017/?authSource=admin"), help: "MongoDB connection string (component 'mongo'); its password is never shown"),
        VariableSpec("REDIS_URL", kind: .url(schemes: ["redis://"], example: "redis://:password@redis:6379/ (rediss:// is not supported)"), help: "redis://[user:password@]host:port/ (component 'redis'); its password is never shown"),
        VariableSpec("DOCKER_HOST", default: "unix:///var/run/docker.sock", kind: .url(schemes: ["unix://"], example: "unix:///var/run/docker.sock"), help: "the Docker engine's socket, for stopping containers around restores"),
        VariableSpec("COMPOSE_PROJECT_NAME", help: "the Compose project whose containers restores stop and start (default: the sidecar's own project)"),
        VariableSpec("HEALTHCHECK_URL", kind: .url(schemes: ["http://", "https://"], example: "http://localhost/api/health"), help: "`rebuild`: the application's health endpoint, polled until it answers 2xx, e.g. http://localhost/api/health"),
        VariableSpec("HEALTHCHECK_TIMEOUT_SECONDS", default: "300", kind: .wholeNumber(1...86_400), help: "`rebuild`: how long the application may take to become healthy"),
        VariableSpec("SERVICE_WAIT_SECONDS", default: "300", kind: .wholeNumber(1...86_400), help: "`rebuild`: how long each data service or container may take to answer"),
        VariableSpec("DRILL_SCHEDULE", kind: .cron(), help: "`serve`: cron for the disaster-recovery drill (off unless set), e.g. 0 5 1 * *"),
        VariableSpec("DRILL_COMPOSE_PROJECT", help: "`drill`: the throw-away Compose project to rebuild into (never the production project)"),
        VariableSpec("DRILL_MONGO_URI", kind: .url(schemes: ["mongodb://", "mongodb+srv://"], example: "mongodb://mongodb-drill:27017/"), help: "`drill`: the throw-away project's MongoDB"),
        VariableSpec("DRILL_REDIS_URL", kind: .url(schemes: ["redis://"], example: "redis://redis-drill:6379/"), help: "`drill`: the throw-away project's Redis"),
        VariableSpec("DRILL_UPLOADS_DIR", kind: .absolutePath(example: "/drill/uploads", rootAllowed: false), help: "`drill`: the throw-away project's uploads folder (a scratch volume)"),
        VariableSpec("DRILL_HEALTHCHECK_URL", kind: .url(schemes: ["http://", "https://"], example: "http://localhost:8081/api/health"), help: "`drill`: the throw-away project's health endpoint (reachable only with host networking: on Compose networks the drill's application stays on its own network, held to its health checks)"),
        VariableSpec("LIFEBOAT_STOP_DURING_RESTORE", default: "true", kind: .flag, help: "stop containers labelled lifeboat.stop-during-restore=true during restores"),
        VariableSpec("REDIS_RESTORE_METHOD", default: "replication", kind: .choice(["replication", "file"]), help: "replication (online, no restart) or file (stop the Redis container, replace its RDB, start it)"),
        VariableSpec("REDIS_DATA_DIR", kind: .absolutePath(example: "/redis-data"), help: "the Redis data folder as mounted in this container, for file restores without the archive API"),
        VariableSpec("LIFEBOAT_REDIS_SERVICE", default: "redis", help: "the Compose service of the Redis container (file restores)"),
        VariableSpec("LIFEBOAT_MONGO_SERVICE", default: "mongodb", help: "the Compose service of the MongoDB container"),
        VariableSpec("VERIFY_MONGO_URI", kind: .url(schemes: ["mongodb://", "mongodb+srv://"], example: "mongodb://scratch-mongodb:27017/"), help: "server for `verify --deep` test restores (default: MONGO_URI)"),
        VariableSpec("MONGO_PARALLEL_COLLECTIONS", default: "4", kind: .wholeNumber(1...32), help: "collections dumped at once"),
        VariableSpec("MONGO_RESTORE_WORKERS", default: "auto", kind: .wholeNumberOrAuto(1...32), help: "connections inserting a restore's documents at once; auto starts with 1 and doubles (up to 8) while that raises the rate, steps back when it does not, and probes again every 15 s"),
        VariableSpec("MONGO_USERS_AND_ROLES", default: "false", kind: .flag, help: "also back up admin.system.users and admin.system.roles"),
        VariableSpec("MONGO_OPLOG", default: "true", kind: .flag, help: "capture the oplog written during a dump (replica sets), for a consistent point in time"),
    ]
}

extension VariableSpec {
    /// Stands for a target's name, in capitals, in the per-target names.
    public static let targetPlaceholder = "<NAME>"

    /// The variables of each target named in TARGETS, written once:
    /// `TARGET_OFFSITE_URL` for the target `offsite`. Why names in the
    /// variable and not one URL with everything in it: each part is then
    /// a variable of its own, so secrets have their `_FILE` form (Docker
    /// secrets), are never printed, and each value is checked by its kind
    /// and reported by its own name, as every other setting is.
    public static let perTarget: [VariableSpec] = [
        VariableSpec("TARGET_<NAME>_URL", kind: .url(schemes: ["s3://", "sftp://"], example: "s3://bucket/prefix or sftp://backup@host:22/srv/lifeboat"), help: "where the target is: s3://bucket[/prefix] (any S3-compatible server) or sftp://user@host[:port]/folder (required)"),
        VariableSpec("TARGET_<NAME>_SETS", default: "every", kind: .choice(["every", "archive"]), help: "every: each backup is copied there (as to s3); archive: the weekly archive and monthly snapshot only (as to glacier: an offline or cold copy)"),
        VariableSpec("TARGET_<NAME>_RETENTION_DAYS", kind: .wholeNumber(1...36_500), help: "days the target keeps sets (default: BACKUP_RETENTION_DAYS, else 30); the BACKUP_KEEP_* rules apply too"),
        VariableSpec("TARGET_<NAME>_ENDPOINT", kind: .url(schemes: ["http://", "https://"], example: "https://s3.eu-central-003.backblazeb2.com"), help: "S3: the server (default: AWS in the target's region)"),
        VariableSpec("TARGET_<NAME>_REGION", default: "us-east-1", kind: .region, help: "S3: the bucket's region"),
        VariableSpec("TARGET_<NAME>_ACCESS_KEY_ID", help: "S3: the access key id (required for s3://)"),
        VariableSpec("TARGET_<NAME>_SECRET_ACCESS_KEY", secret: true, help: "S3: the secret access key (required for s3://)"),
        VariableSpec("TARGET_<NAME>_SESSION_TOKEN", secret: true, help: "S3: a session token, for temporary credentials"),
        VariableSpec("TARGET_<NAME>_PATH_STYLE", default: "false", kind: .flag, help: "S3: true for https://host/bucket/key addressing (automatic for IP addresses)"),
        VariableSpec("TARGET_<NAME>_STORAGE_CLASS", default: "STANDARD", kind: .choice(["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]), help: "S3: the storage class of artifacts (manifests stay STANDARD)"),
        VariableSpec("TARGET_<NAME>_OBJECT_LOCK", default: "off", kind: .choice(["off", "governance", "compliance"]), help: "S3: write every object with an Object Lock lasting the target's retention (as S3_OBJECT_LOCK)"),
        VariableSpec("TARGET_<NAME>_SSH_KEY", secret: true, help: "SFTP: the private key to log in with (OpenSSH or PEM text; usually given as TARGET_<NAME>_SSH_KEY_FILE, a Docker secret); no password login exists"),
        VariableSpec("TARGET_<NAME>_SSH_KEY_PASSPHRASE", secret: true, help: "SFTP: the private key's passphrase, when it has one"),
        VariableSpec("TARGET_<NAME>_KNOWN_HOSTS", help: "SFTP: the server's known_hosts line(s) (what `ssh-keyscan -p PORT HOST` prints, checked out of band; usually given as TARGET_<NAME>_KNOWN_HOSTS_FILE); a server whose key is not there is refused (required for sftp://)"),
    ]

    /// The per-target variables of one target (`offsite` → `TARGET_OFFSITE_*`).
    public static func forTarget(_ name: String) -> [VariableSpec] {
        perTarget.map { VariableSpec(targetVariable($0.name, name), default: $0.defaultValue, secret: $0.isSecret, kind: $0.kind, help: $0.help) }
    }

    /// `TARGET_<NAME>_URL` for `offsite`: `TARGET_OFFSITE_URL`.
    public static func targetVariable(_ template: String, _ target: String) -> String {
        template.replacingOccurrences(of: targetPlaceholder, with: target.uppercased())
    }
}

extension VariableSpec {
    /// docs/configuration.md: the table of every variable, made from `all`
    /// (`lifeboat config --markdown`), so the documentation cannot drift.
    public static func markdownTable(_ specs: [VariableSpec] = all) -> String {
        var lines = [
            "# Configuration",
            "",
            "Generated by `lifeboat config --markdown` from the one table of variables in",
            "`Sources/4-infrastructure/LifeboatConfiguration/VariableSpec.swift`; a test keeps this file equal to it.",
            "Every variable can also be given as `NAME_FILE`, the path of a file holding the",
            "value (Docker secrets). A set variable with one of these prefixes that is not",
            "listed here is reported, with the nearest known name when it looks like a typo",
            "(an error for `backup`, `serve` and `config`).",
            "",
            "| variable | type | default | secret | meaning |",
            "|---|---|---|---|---|",
        ]
        let row = { (spec: VariableSpec) -> String in
            let cell = { (text: String) in text.replacingOccurrences(of: "|", with: "\\|") }
            return "| `\(spec.name)` | \(cell(spec.kind.summary)) | \(spec.defaultValue.map { "`\(cell($0))`" } ?? "—") | \(spec.isSecret ? "yes" : "") | \(cell(spec.help)) |"
        }
        lines += specs.map(row)
        lines += [
            "",
            "## Named targets",
            "",
            "Each name in `TARGETS` (lowercase letters and digits; not `local`, `s3` or `glacier`)",
            "is one more place sets are copied to, configured by these variables with the",
            "name in capitals in place of `<NAME>` (`TARGETS=offsite` reads `TARGET_OFFSITE_URL`…).",
            "A `TARGET_*` variable of a name that is not in `TARGETS` is an error, as is a",
            "variable that does not fit the target's kind (an `SSH_KEY` on an `s3://` target).",
            "Multipart part size, parallel parts, attempts, stall and timeout are the `S3_*` ones.",
            "",
            "| variable | type | default | secret | meaning |",
            "|---|---|---|---|---|",
        ] + perTarget.map(row)
        return lines.joined(separator: "\n") + "\n"
    }
}
