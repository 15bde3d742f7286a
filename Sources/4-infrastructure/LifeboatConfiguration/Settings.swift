import ByteStreams
import Foundation
import Scheduling

/// The validated configuration every use case runs on: what to back up
/// and how, and one typed part per concern. Every value, default included,
/// comes from the one table of variables (`VariableSpec.all`).
public struct Settings: Sendable {
    public var backupDirectory: String
    /// The local tier's retention in days (its policy is in `storage`).
    public var retentionDays: Int {
        get { storage.retention(for: "local").days }
        set { storage.retention["local", default: RetentionPolicy(days: newValue)].days = newValue }
    }
    public var schedule: CronExpression
    public var timeZone: TimeZone
    /// TZ as given (Foundation names UTC "GMT").
    public var timeZoneName: String
    /// UPLOADS_DIR (component 'files').
    public var uploadsDirectory: String?
    /// CONFIG_PATHS (component 'config').
    public var configPaths: [String]
    /// APP_REPO_DIR: the application's git repository (component 'code').
    public var appRepoDirectory: String?
    public var compression: Compression
    public var skipUnreadable: Bool
    /// BACKUP_COMPONENTS: the components every backup must take (nil: those configured).
    public var declaredComponents: [String]?
    /// BACKUP_SIZE_DROP_PERCENT: a component smaller than the median of its
    /// last sets by more than this is an anomaly.
    public var sizeDropPercent: Int
    /// LIFEBOAT_PROGRESS: draw the progress line on a terminal.
    public var showProgress: Bool
    public var mongo: MongoSettings
    public var redis: RedisSettings
    public var encryption: EncryptionSettings
    /// The Docker engine and the Compose project.
    public var docker: DockerSettings
    /// The tiers: local, S3, Glacier, and each one's retention.
    public var storage: StorageSettings
    /// `lifeboat serve`: its other schedules, HTTP server, alerts, logs.
    public var daemon: DaemonSettings
    /// `rebuild` and `drill`.
    public var rebuild: RebuildSettings

    /// The variable each component needs, in the order sets hold them.
    public static let componentVariableTable: [(component: String, variable: String)] = [
        ("mongo", "MONGO_URI"), ("redis", "REDIS_URL"), ("files", "UPLOADS_DIR"), ("config", "CONFIG_PATHS"), ("code", "APP_REPO_DIR"),
    ]
    public static let componentVariables = Dictionary(uniqueKeysWithValues: componentVariableTable.map { ($0.component, $0.variable) })
    static let componentNames = componentVariableTable.map(\.component).joined(separator: ", ")

    /// Reads every concern from the values; problems collect in `values`.
    static func load(_ values: inout ConfigurationValues) -> Settings {
        let compression = values.choice("BACKUP_COMPRESSION", as: CompressionAlgorithm.self)!
        var level = values.number("BACKUP_COMPRESSION_LEVEL")
        if let given = level, !compression.levelRange.contains(given) {
            let range = compression.levelRange
            values.problem("BACKUP_COMPRESSION_LEVEL", compression == .none ? "has no meaning with BACKUP_COMPRESSION=none; unset it"
                           : "must be a whole number from \(range.lowerBound) to \(range.upperBound) for \(compression.rawValue)")
            level = nil
        }
        let zone = values.timeZone("TZ")!
        return Settings(backupDirectory: values.path("BACKUP_DIR")!, schedule: values.cron("BACKUP_SCHEDULE")!,
                        timeZone: zone.zone, timeZoneName: zone.name,
                        uploadsDirectory: values.path("UPLOADS_DIR"), configPaths: values.paths("CONFIG_PATHS"),
                        appRepoDirectory: values.path("APP_REPO_DIR"),
                        compression: Compression(algorithm: compression, level: level), skipUnreadable: values.flag("BACKUP_SKIP_UNREADABLE"),
                        declaredComponents: declaredComponents(&values), sizeDropPercent: values.number("BACKUP_SIZE_DROP_PERCENT")!,
                        showProgress: values.choice("LIFEBOAT_PROGRESS") != "off",
                        mongo: .load(&values), redis: .load(&values), encryption: .load(&values), docker: .load(&values),
                        storage: .load(&values), daemon: .load(&values), rebuild: .load(&values))
    }

    /// BACKUP_COMPONENTS: known names, each with its variable set.
    private static func declaredComponents(_ values: inout ConfigurationValues) -> [String]? {
        guard let items = values.list("BACKUP_COMPONENTS") else { return nil }
        var listed: [String] = []
        var wrong = false
        for item in items.map({ $0.lowercased() }) {
            guard let needs = componentVariables[item] else {
                values.problem("BACKUP_COMPONENTS", "'\(item)' is not a component; list some of \(componentNames)")
                wrong = true
                continue
            }
            if values.text(needs) == nil {
                values.problem("BACKUP_COMPONENTS", "lists '\(item)', which needs \(needs); set \(needs) (or \(needs)_FILE), or take '\(item)' out of the list")
            }
            if !listed.contains(item) { listed.append(item) }
        }
        if listed.isEmpty && !wrong { values.problem("BACKUP_COMPONENTS", "lists no component; list some of \(componentNames)") }
        return listed
    }
}

extension Settings {
    /// Settings from the table's defaults with these changes (for embedding
    /// and tests: the defaults are not written a second time here).
    public init(backupDirectory: String, uploadsDirectory: String? = nil, configPaths: [String] = [], compression: Compression? = nil) {
        var values = ConfigurationValues(resolved: LoadedConfiguration.resolve(environment: [:], overrides: [:], specs: VariableSpec.all).resolved, problems: [])
        self = Settings.load(&values)
        precondition(values.problems.isEmpty, "the table's defaults are invalid: \(values.problems)")
        self.backupDirectory = backupDirectory
        self.uploadsDirectory = uploadsDirectory
        self.configPaths = configPaths
        if let compression { self.compression = compression }
    }

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
        // The named targets' variables join the table once TARGETS says
        // which names there are.
        let targets = TargetSettings.names(in: EnvironmentReader(environment: environment, overrides: overrides), specs: specs)
        let specs = specs + targets.flatMap(VariableSpec.forTarget)
        let (resolved, ordered, problems) = resolve(environment: environment, overrides: overrides, specs: specs)
        var values = ConfigurationValues(resolved: resolved, problems: problems)
        let settings = Settings.load(&values)
        let unknown = UnknownVariables.find(environment: environment, specs: specs, targets: targets)
        return LoadedConfiguration(settings: settings, problems: values.problems,
                                   warnings: unknown.filter { !$0.isLikelyTypo }.map(\.message),
                                   typos: unknown.filter(\.isLikelyTypo).map { ConfigProblem(variable: $0.name, value: nil, message: $0.problem) },
                                   variables: ordered)
    }

    /// Each variable's text and origin (the command line, NAME_FILE, the
    /// environment, or the table's default).
    static func resolve(environment: [String: String], overrides: [String: String], specs: [VariableSpec])
        -> (resolved: [String: ResolvedVariable], ordered: [ResolvedVariable], problems: [ConfigProblem]) {
        let reader = EnvironmentReader(environment: environment, overrides: overrides)
        var problems: [ConfigProblem] = []
        var resolved: [String: ResolvedVariable] = [:]
        var ordered: [ResolvedVariable] = []
        for spec in specs {
            let variable = reader.resolve(spec, problems: &problems)
            resolved[spec.name] = variable
            ordered.append(variable)
        }
        return (resolved, ordered, problems)
    }
}
