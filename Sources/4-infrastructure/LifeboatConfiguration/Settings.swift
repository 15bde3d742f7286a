import ByteStreams
import Foundation
import Scheduling

/// The validated configuration every use case runs on.
public struct Settings: Sendable {
    public var backupDirectory: String
    /// The local tier's retention in days (its policy is in `storage`).
    public var retentionDays: Int {
        get { storage.retention(for: "local").days }
        set { storage.retention["local", default: RetentionPolicy(days: newValue)].days = newValue }
    }
    public var schedule: CronExpression
    public var timeZone: TimeZone
    public var uploadsDirectory: String?
    /// APP_REPO_DIR: the application's git repository (component 'code').
    public var appRepoDirectory: String?
    public var configPaths: [String]
    public var compression: Compression
    public var skipUnreadable: Bool
    /// TZ as given (Foundation names UTC "GMT").
    public var timeZoneName = "UTC"
    public var mongoURI: String?
    public var verifyMongoURI: String?
    public var mongoParallelCollections: Int
    public var mongoCaptureOplog: Bool
    public var mongoUsersAndRoles: Bool = false
    public var redisURL: String?
    /// age recipients (`age1…`) as given; validated by the crypto layer.
    public var encryptionRecipients: [String] = []
    public var encryptionIdentityFile: String?
    public var dockerHost: String = "unix:///var/run/docker.sock"
    /// Whether DOCKER_HOST was set (then an unreachable engine is an error, not a warning).
    public var dockerHostExplicit = false
    public var composeProject: String?
    public var stopDuringRestore = true
    public enum RedisRestoreMethod: String, Sendable { case replication, file }
    public var redisRestoreMethod = RedisRestoreMethod.replication
    public var redisService = "redis"
    public var redisDataDirectory: String?
    public var mongoService = "mongodb"
    /// The tiers: local, S3, Glacier, and each one's retention.
    public var storage = StorageSettings()
    /// `lifeboat serve`: its other schedules, HTTP server, alerts, logs.
    public var daemon = DaemonSettings()
    /// `rebuild` and `drill`.
    public var rebuild = RebuildSettings()
    /// age passphrase (scrypt recipient) instead of, or besides, X25519 recipients.
    public var encryptionPassphrase: String?
    /// BACKUP_COMPONENTS: the components every backup must take (nil: those configured).
    public var declaredComponents: [String]?
    /// BACKUP_SIZE_DROP_PERCENT: a component smaller than the median of its
    /// last sets by more than this is an anomaly.
    public var sizeDropPercent = 50

    /// The variable each component needs, in the order sets hold them.
    public static let componentVariableTable: [(component: String, variable: String)] = [
        ("mongo", "MONGO_URI"), ("redis", "REDIS_URL"), ("files", "UPLOADS_DIR"), ("config", "CONFIG_PATHS"), ("code", "APP_REPO_DIR"),
    ]
    public static let componentVariables = Dictionary(uniqueKeysWithValues: componentVariableTable.map { ($0.component, $0.variable) })
    static let componentNames = componentVariableTable.map(\.component).joined(separator: ", ")

    public init(backupDirectory: String, retentionDays: Int = 7, schedule: CronExpression? = nil,
                timeZone: TimeZone = TimeZone(identifier: "UTC")!, uploadsDirectory: String? = nil,
                configPaths: [String] = [], compression: Compression = Compression(algorithm: .zstd),
                skipUnreadable: Bool = false, mongoURI: String? = nil, verifyMongoURI: String? = nil,
                mongoParallelCollections: Int = 4, mongoCaptureOplog: Bool = true) {
        self.backupDirectory = backupDirectory
        self.storage.retention["local"]?.days = retentionDays
        self.schedule = schedule ?? (try! CronExpression("0 2 * * *"))
        self.timeZone = timeZone
        self.uploadsDirectory = uploadsDirectory
        self.configPaths = configPaths
        self.compression = compression
        self.skipUnreadable = skipUnreadable
        self.mongoURI = mongoURI
        self.verifyMongoURI = verifyMongoURI
        self.mongoParallelCollections = mongoParallelCollections
        self.mongoCaptureOplog = mongoCaptureOplog
    }
}

extension Settings {
    /// The next run times of `BACKUP_SCHEDULE` in `TZ`.
    public func nextScheduledRuns(count: Int, after date: Date = Date()) -> [Date] {
        schedule.nextRuns(after: date, count: count, in: timeZone)
    }
}

/// The outcome of reading the configuration: settings when valid, every
/// problem found, warnings, and each variable as resolved (for display).
public struct LoadedConfiguration: Sendable {
    public let settings: Settings?
    public let problems: [ConfigProblem]
    public let warnings: [String]
    /// Variables that are most likely misspellings of Lifeboat's (`MONGO_URL`).
    public let typos: [ConfigProblem]
    public let variables: [ResolvedVariable]

    public init(settings: Settings?, problems: [ConfigProblem], warnings: [String], typos: [ConfigProblem] = [], variables: [ResolvedVariable]) {
        self.settings = settings
        self.problems = problems
        self.warnings = warnings
        self.typos = typos
        self.variables = variables
    }

    /// The settings, or a `ConfigurationError` listing every problem; with
    /// `strictNames`, a likely misspelt variable is a problem too.
    public func validSettings(strictNames: Bool = false) throws -> Settings {
        let all = problems + (strictNames ? typos : [])
        if let settings, all.isEmpty { return settings }
        throw ConfigurationError(problems: all)
    }

    public static func load(environment: [String: String], overrides: [String: String] = [:],
                            specs: [VariableSpec] = VariableSpec.all) -> LoadedConfiguration {
        let reader = EnvironmentReader(environment: environment, overrides: overrides)
        var problems: [ConfigProblem] = []
        var resolved: [String: ResolvedVariable] = [:]
        var ordered: [ResolvedVariable] = []
        for spec in specs {
            let variable = reader.resolve(spec, problems: &problems)
            resolved[spec.name] = variable
            ordered.append(variable)
        }
        let unknown = UnknownVariables.find(environment: environment, specs: specs)
        func value(_ name: String) -> String? { resolved[name]?.value }
        func shown(_ name: String) -> String? { resolved[name]?.displayValue }

        let backupDirectory = value("BACKUP_DIR") ?? "/backup"
        if !backupDirectory.hasPrefix("/") {
            problems.append(ConfigProblem(variable: "BACKUP_DIR", value: backupDirectory, message: "must be an absolute path, e.g. /backup"))
        }

        let storage = StorageSettings.load(value: value, shown: shown, problems: &problems)

        var schedule = try! CronExpression("0 2 * * *")
        if let text = value("BACKUP_SCHEDULE") {
            do { schedule = try CronExpression(text) } catch let error as CronExpression.ParseError {
                problems.append(ConfigProblem(variable: "BACKUP_SCHEDULE", value: text, message: error.problem))
            } catch {}
        }

        var timeZone = TimeZone(identifier: "UTC")!
        var timeZoneName = "UTC"
        if let text = value("TZ") {
            // TZ may carry a leading ':' (POSIX) meaning "a zoneinfo file".
            let name = text.hasPrefix(":") ? String(text.dropFirst()) : text
            if let zone = TimeZone(identifier: name) {
                timeZone = zone
                timeZoneName = name
            } else {
                problems.append(ConfigProblem(variable: "TZ", value: text, message: "unknown time zone; use an IANA name such as UTC or Europe/Berlin"))
            }
        }

        var uploadsDirectory: String?
        if let text = value("UPLOADS_DIR") {
            if text.hasPrefix("/") { uploadsDirectory = normalized(text) } else {
                problems.append(ConfigProblem(variable: "UPLOADS_DIR", value: text, message: "must be an absolute path, e.g. /data/uploads"))
            }
        }

        var appRepoDirectory: String?
        if let text = value("APP_REPO_DIR") {
            if text.hasPrefix("/") && text != "/" { appRepoDirectory = normalized(text) } else {
                problems.append(ConfigProblem(variable: "APP_REPO_DIR", value: text, message: "must be the absolute path of a git repository's working tree (or a bare repository), e.g. /app"))
            }
        }

        var configPaths: [String] = []
        if let text = value("CONFIG_PATHS") {
            for item in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
                let path = item.trimmingCharacters(in: .whitespaces)
                if path.isEmpty { continue }
                if path.hasPrefix("/") { configPaths.append(normalized(path)) } else {
                    problems.append(ConfigProblem(variable: "CONFIG_PATHS", value: shown("CONFIG_PATHS"), message: "'\(path)' is not an absolute path; list absolute paths separated by commas, e.g. /app/.env.production,/etc/nginx/nginx.conf"))
                }
            }
            let duplicates = Dictionary(grouping: configPaths, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            if !duplicates.isEmpty {
                problems.append(ConfigProblem(variable: "CONFIG_PATHS", value: shown("CONFIG_PATHS"), message: "lists \(duplicates.joined(separator: ", ")) more than once"))
            }
        }

        var algorithm = CompressionAlgorithm.zstd
        if let text = value("BACKUP_COMPRESSION") {
            if let parsed = CompressionAlgorithm(rawValue: text.lowercased()) { algorithm = parsed } else {
                problems.append(ConfigProblem(variable: "BACKUP_COMPRESSION", value: text, message: "must be one of zstd, gzip, none"))
            }
        }
        var level: Int?
        if let text = value("BACKUP_COMPRESSION_LEVEL") {
            if let parsed = Int(text), algorithm.levelRange.contains(parsed) { level = parsed } else {
                let range = algorithm.levelRange
                problems.append(ConfigProblem(variable: "BACKUP_COMPRESSION_LEVEL", value: text,
                    message: algorithm == .none ? "has no meaning with BACKUP_COMPRESSION=none; unset it" : "must be a whole number from \(range.lowerBound) to \(range.upperBound) for \(algorithm.rawValue)"))
            }
        }

        var skipUnreadable = false
        if let text = value("BACKUP_SKIP_UNREADABLE") {
            if let parsed = parseBool(text) { skipUnreadable = parsed } else {
                problems.append(ConfigProblem(variable: "BACKUP_SKIP_UNREADABLE", value: text, message: "must be true or false"))
            }
        }

        var mongoURIs: [String: String] = [:]
        for name in ["MONGO_URI", "VERIFY_MONGO_URI"] {
            guard let text = value(name) else { continue }
            if text.hasPrefix("mongodb://") || text.hasPrefix("mongodb+srv://") {
                mongoURIs[name] = text
            } else {
                problems.append(ConfigProblem(variable: name, value: shown(name),
                    message: "must start with mongodb:// or mongodb+srv://, e.g. mongodb://user:password@mongodb:27017/?authSource=admin"))
            }
        }
        var parallelCollections = 4
        if let text = value("MONGO_PARALLEL_COLLECTIONS") {
            if let parsed = Int(text), (1...32).contains(parsed) { parallelCollections = parsed } else {
                problems.append(ConfigProblem(variable: "MONGO_PARALLEL_COLLECTIONS", value: text, message: "must be a whole number from 1 to 32"))
            }
        }

        var captureOplog = true
        if let text = value("MONGO_OPLOG") {
            if let parsed = parseBool(text) { captureOplog = parsed } else {
                problems.append(ConfigProblem(variable: "MONGO_OPLOG", value: text, message: "must be true or false"))
            }
        }

        var redisURL: String?
        if let text = value("REDIS_URL") {
            if text.hasPrefix("redis://") { redisURL = text } else {
                problems.append(ConfigProblem(variable: "REDIS_URL", value: shown("REDIS_URL"),
                    message: "must start with redis://, e.g. redis://:password@redis:6379/ (rediss:// is not supported)"))
            }
        }
        var usersAndRoles = false
        if let text = value("MONGO_USERS_AND_ROLES") {
            if let parsed = parseBool(text) { usersAndRoles = parsed } else {
                problems.append(ConfigProblem(variable: "MONGO_USERS_AND_ROLES", value: text, message: "must be true or false"))
            }
        }

        var settings = Settings(backupDirectory: normalized(backupDirectory), retentionDays: storage.retention(for: "local").days, schedule: schedule,
                                timeZone: timeZone, uploadsDirectory: uploadsDirectory, configPaths: configPaths,
                                compression: Compression(algorithm: algorithm, level: level), skipUnreadable: skipUnreadable,
                                mongoURI: mongoURIs["MONGO_URI"], verifyMongoURI: mongoURIs["VERIFY_MONGO_URI"],
                                mongoParallelCollections: parallelCollections, mongoCaptureOplog: captureOplog)
        settings.mongoUsersAndRoles = usersAndRoles
        settings.appRepoDirectory = appRepoDirectory
        settings.storage = storage
        settings.daemon = DaemonSettings.load(value: value, shown: shown, problems: &problems)
        settings.rebuild = RebuildSettings.load(value: value, shown: shown, problems: &problems)
        settings.encryptionPassphrase = value("BACKUP_ENCRYPTION_PASSPHRASE")
        settings.redisURL = redisURL
        if let text = value("BACKUP_ENCRYPTION_RECIPIENTS") {
            let recipients = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
            for recipient in recipients where !recipient.hasPrefix("age1") {
                problems.append(ConfigProblem(variable: "BACKUP_ENCRYPTION_RECIPIENTS", value: String(recipient.prefix(12)) + "…",
                    message: "is not an age recipient; give age1… public keys (age-keygen -y prints one), comma-separated"))
            }
            settings.encryptionRecipients = recipients
        }
        settings.encryptionIdentityFile = value("BACKUP_ENCRYPTION_IDENTITY_FILE")
        settings.timeZoneName = timeZoneName
        if let text = value("DOCKER_HOST") {
            if text.hasPrefix("unix://") { settings.dockerHost = text } else {
                problems.append(ConfigProblem(variable: "DOCKER_HOST", value: text, message: "must be a unix socket, e.g. unix:///var/run/docker.sock"))
            }
        }
        settings.dockerHostExplicit = resolved["DOCKER_HOST"]?.origin != .defaultValue
        settings.composeProject = value("COMPOSE_PROJECT_NAME")
        if let text = value("REDIS_RESTORE_METHOD") {
            if let method = Settings.RedisRestoreMethod(rawValue: text.lowercased()) { settings.redisRestoreMethod = method } else {
                problems.append(ConfigProblem(variable: "REDIS_RESTORE_METHOD", value: text, message: "must be replication or file"))
            }
        }
        settings.redisService = value("LIFEBOAT_REDIS_SERVICE") ?? "redis"
        if let text = value("REDIS_DATA_DIR") {
            if text.hasPrefix("/") { settings.redisDataDirectory = normalized(text) } else {
                problems.append(ConfigProblem(variable: "REDIS_DATA_DIR", value: text, message: "must be an absolute path, e.g. /redis-data"))
            }
        }
        settings.mongoService = value("LIFEBOAT_MONGO_SERVICE") ?? "mongodb"
        if let text = value("LIFEBOAT_STOP_DURING_RESTORE") {
            if let parsed = parseBool(text) { settings.stopDuringRestore = parsed } else {
                problems.append(ConfigProblem(variable: "LIFEBOAT_STOP_DURING_RESTORE", value: text, message: "must be true or false"))
            }
        }
        if let text = value("BACKUP_COMPONENTS") {
            var listed: [String] = []
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !item.isEmpty {
                guard let needs = Settings.componentVariables[item] else {
                    problems.append(ConfigProblem(variable: "BACKUP_COMPONENTS", value: text, message: "'\(item)' is not a component; list some of \(Settings.componentNames)"))
                    continue
                }
                if value(needs) == nil {
                    problems.append(ConfigProblem(variable: "BACKUP_COMPONENTS", value: text, message: "lists '\(item)', which needs \(needs); set \(needs) (or \(needs)_FILE), or take '\(item)' out of the list"))
                }
                if !listed.contains(item) { listed.append(item) }
            }
            if listed.isEmpty && !problems.contains(where: { $0.variable == "BACKUP_COMPONENTS" }) {
                problems.append(ConfigProblem(variable: "BACKUP_COMPONENTS", value: text, message: "lists no component; list some of \(Settings.componentNames)"))
            }
            settings.declaredComponents = listed
        }
        if let text = value("BACKUP_SIZE_DROP_PERCENT") {
            if let parsed = Int(text), (1...99).contains(parsed) { settings.sizeDropPercent = parsed } else {
                problems.append(ConfigProblem(variable: "BACKUP_SIZE_DROP_PERCENT", value: text, message: "must be a whole number from 1 to 99"))
            }
        }
        return LoadedConfiguration(settings: settings, problems: problems,
                                   warnings: unknown.filter { !$0.isLikelyTypo }.map(\.message),
                                   typos: unknown.filter(\.isLikelyTypo).map { ConfigProblem(variable: $0.name, value: nil, message: "is not read by Lifeboat; did you mean \($0.nearest!)? (rename it, or unset it)") },
                                   variables: ordered)
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: return nil
        }
    }

    /// Drops trailing slashes so `/data/uploads/` and `/data/uploads` are one path.
    static func normalized(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

}
