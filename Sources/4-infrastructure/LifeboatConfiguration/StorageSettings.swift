import Foundation

/// The S3 tier's connection (`AWS_*`, `S3_*`).
public struct S3Settings: Sendable, Equatable {
    /// `bucket` or `bucket/prefix`.
    public var bucket: String
    public var region: String
    public var endpoint: String?
    public var pathStyle: Bool
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var partSizeMiB: Int
    public var parallelUploads: Int
    public var maxAttempts: Int
    /// S3_STALL_SECONDS and S3_TIMEOUT_SECONDS.
    public var stallSeconds: Int
    public var timeoutSeconds: Int
}

/// How long each tier keeps sets, and which sets it keeps regardless
/// (restic's `forget` counts). A set is kept when any rule keeps it.
public struct RetentionPolicy: Sendable, Equatable {
    public var days: Int
    public var keepLast = 0
    public var keepDaily = 0
    public var keepWeekly = 0
    public var keepMonthly = 0

    public init(days: Int, keepLast: Int = 0, keepDaily: Int = 0, keepWeekly: Int = 0, keepMonthly: Int = 0) {
        self.days = days
        self.keepLast = keepLast
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepMonthly = keepMonthly
    }
}

/// Where sets go and how long they stay.
public struct StorageSettings: Sendable, Equatable {
    /// Keep sets in BACKUP_DIR (otherwise it is only where a set is staged
    /// before its remote copies, and the local copy goes once they succeed).
    public var keepLocal: Bool
    public var s3: S3Settings?
    /// `bucket[/prefix]` for the Glacier tier; by default the S3 bucket under `glacier/`.
    public var glacierBucket: String?
    public var glacierStorageClass: String
    public var glacierRestoreDays: Int
    public var glacierRetrieval: String
    public var retention: [String: RetentionPolicy]
    /// COST_PRICES: USD per GB-month by storage class, for `report --costs`.
    public var prices: [String: Double]
    /// S3_OBJECT_LOCK: `GOVERNANCE` or `COMPLIANCE` (nil: off).
    public var objectLock: String?
    /// TARGETS: the named targets, in their order.
    public var targets: [TargetSettings] = []
    /// RESTORE_ORDER as given (nil: local, s3, the targets, glacier).
    public var restoreOrder: [String]?
    /// S3_STALL_SECONDS, which SFTP transfers use too.
    public var s3StallSeconds = 30

    public func retention(for tier: String) -> RetentionPolicy { retention[tier] ?? RetentionPolicy(days: 30) }

    /// Each tier's own retention variable and its default when neither it
    /// nor BACKUP_RETENTION_DAYS is set (the guide's 7 d / 30 d / 90 d).
    static let tierRetention = [("local", "LOCAL_RETENTION_DAYS", 7), ("s3", "S3_RETENTION_DAYS", 30), ("glacier", "GLACIER_RETENTION_DAYS", 90)]

    /// CLASS=price items, each price a non-negative number.
    static func prices(_ values: inout ConfigurationValues) -> [String: Double] {
        var prices: [String: Double] = [:]
        for item in values.list("COST_PRICES") ?? [] {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let price = Double(parts[1]), price >= 0, price.isFinite else {
                values.problem("COST_PRICES", "'\(item)' is not CLASS=price; give USD per GB-month by storage class, e.g. STANDARD=0.023,GLACIER=0.0036")
                continue
            }
            prices[parts[0] == "local" ? "local" : parts[0].uppercased()] = price
        }
        return prices
    }

    static func load(_ values: inout ConfigurationValues) -> StorageSettings {
        let keepLocal = values.flag("BACKUP_LOCAL")
        let fallback = values.number("BACKUP_RETENTION_DAYS")
        let keep = (values.number("BACKUP_KEEP_LAST")!, values.number("BACKUP_KEEP_DAILY")!,
                    values.number("BACKUP_KEEP_WEEKLY")!, values.number("BACKUP_KEEP_MONTHLY")!)
        var retention: [String: RetentionPolicy] = [:]
        for (tier, variable, days) in tierRetention {
            retention[tier] = RetentionPolicy(days: values.number(variable) ?? fallback ?? days,
                                              keepLast: keep.0, keepDaily: keep.1, keepWeekly: keep.2, keepMonthly: keep.3)
        }

        // The S3_* transfer settings, shared by every S3 tier and target.
        let tuning = S3Settings(bucket: "", region: "us-east-1", endpoint: nil, pathStyle: false, accessKeyID: "", secretAccessKey: "", sessionToken: nil,
                                partSizeMiB: values.number("S3_PART_SIZE_MB")!, parallelUploads: values.number("S3_PARALLEL_UPLOADS")!,
                                maxAttempts: values.number("S3_MAX_ATTEMPTS")!,
                                stallSeconds: values.number("S3_STALL_SECONDS")!, timeoutSeconds: values.number("S3_TIMEOUT_SECONDS")!)
        let targets = TargetSettings.load(&values, tuning: tuning)
        for target in targets {
            retention[target.name] = RetentionPolicy(days: values.number(VariableSpec.targetVariable("TARGET_<NAME>_RETENTION_DAYS", target.name)) ?? fallback ?? 30,
                                                     keepLast: keep.0, keepDaily: keep.1, keepWeekly: keep.2, keepMonthly: keep.3)
        }

        var s3: S3Settings?
        if let bucket = values.bucket("AWS_S3_BUCKET") {
            for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] where values.text(name) == nil {
                values.problem(name, "is required when AWS_S3_BUCKET is set (or \(name)_FILE)")
            }
            let endpoint = values.url("AWS_ENDPOINT_URL")
            // AWS_REGION, else AWS_DEFAULT_REGION as the AWS CLI reads it, else us-east-1.
            let region = values.region("AWS_REGION") ?? values.region("AWS_DEFAULT_REGION") ?? "us-east-1"
            var settings = tuning
            settings.bucket = bucket
            settings.region = region
            settings.endpoint = endpoint
            settings.pathStyle = values.flag("AWS_S3_PATH_STYLE")
            settings.accessKeyID = values.text("AWS_ACCESS_KEY_ID") ?? ""
            settings.secretAccessKey = values.text("AWS_SECRET_ACCESS_KEY") ?? ""
            settings.sessionToken = values.text("AWS_SESSION_TOKEN")
            s3 = settings
        } else {
            for name in ["GLACIER_S3_BUCKET", "AWS_ENDPOINT_URL"] where values.text(name) != nil {
                values.problem(name, "has no effect without AWS_S3_BUCKET; set the bucket too, or unset it")
            }
            if !keepLocal && !targets.contains(where: { $0.takes == .every }) {
                values.problem("BACKUP_LOCAL", "would leave no copy at all: set AWS_S3_BUCKET (or a target in TARGETS that takes every set), or BACKUP_LOCAL=true")
            }
        }
        var storage = StorageSettings(keepLocal: keepLocal, s3: s3, glacierBucket: values.bucket("GLACIER_S3_BUCKET"),
                                      glacierStorageClass: values.choice("GLACIER_STORAGE_CLASS")!, glacierRestoreDays: values.number("GLACIER_RESTORE_DAYS")!,
                                      glacierRetrieval: values.choice("GLACIER_RETRIEVAL_TIER")!, retention: retention, prices: prices(&values),
                                      objectLock: values.choice("S3_OBJECT_LOCK").flatMap { $0 == "off" ? nil : $0.uppercased() })
        storage.targets = targets
        storage.s3StallSeconds = tuning.stallSeconds
        storage.restoreOrder = restoreOrder(&values, known: storage.tierNames)
        return storage
    }

    /// Every configured tier's name in the default order: local, s3, the
    /// targets, glacier (the slowest and dearest to read last).
    public var tierNames: [String] {
        ["local"] + (s3 != nil ? ["s3"] : []) + targets.map(\.name) + (s3 != nil ? ["glacier"] : [])
    }

    /// RESTORE_ORDER's tiers, each configured; the tiers it leaves out
    /// are looked in after them (a set is never missed for not being listed).
    private static func restoreOrder(_ values: inout ConfigurationValues, known: [String]) -> [String]? {
        guard let items = values.list("RESTORE_ORDER") else { return nil }
        var order: [String] = []
        for item in items.map({ $0.lowercased() }) {
            guard known.contains(item) else {
                values.problem("RESTORE_ORDER", "'\(item)' is not a configured tier; the tiers are \(known.joined(separator: ", "))")
                continue
            }
            if !order.contains(item) { order.append(item) }
        }
        return order
    }

    /// The order restore, verify and rebuild look in: RESTORE_ORDER, then
    /// the tiers it did not list, in the default order.
    public var lookupOrder: [String] {
        let given = restoreOrder ?? []
        return given + tierNames.filter { !given.contains($0) }
    }
}
