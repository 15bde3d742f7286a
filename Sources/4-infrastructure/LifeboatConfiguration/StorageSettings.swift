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
    public var stallSeconds = 30
    public var timeoutSeconds = 300
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
    public var keepLocal = true
    public var s3: S3Settings?
    /// `bucket[/prefix]` for the Glacier tier; by default the S3 bucket under `glacier/`.
    public var glacierBucket: String?
    public var glacierStorageClass = "GLACIER"
    public var glacierRestoreDays = 7
    public var glacierRetrieval = "Standard"
    public var retention: [String: RetentionPolicy] = [
        "local": RetentionPolicy(days: 7), "s3": RetentionPolicy(days: 30), "glacier": RetentionPolicy(days: 90),
    ]

    public init() {}

    public func retention(for tier: String) -> RetentionPolicy { retention[tier] ?? RetentionPolicy(days: 30) }

    static let tierDefaults = ["local": 7, "s3": 30, "glacier": 90]

    static func load(value: (String) -> String?, shown: (String) -> String?, problems: inout [ConfigProblem]) -> StorageSettings {
        var storage = StorageSettings()
        func number(_ name: String, _ range: ClosedRange<Int>, example: String) -> Int? {
            guard let text = value(name) else { return nil }
            if let parsed = Int(text), range.contains(parsed) { return parsed }
            problems.append(ConfigProblem(variable: name, value: text, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound), e.g. \(example)"))
            return nil
        }
        func flag(_ name: String) -> Bool? {
            guard let text = value(name) else { return nil }
            if let parsed = LoadedConfiguration.parseBool(text) { return parsed }
            problems.append(ConfigProblem(variable: name, value: text, message: "must be true or false"))
            return nil
        }

        storage.keepLocal = flag("BACKUP_LOCAL") ?? true
        let fallback = number("BACKUP_RETENTION_DAYS", 1...36_500, example: "30")
        let keepLast = number("BACKUP_KEEP_LAST", 0...10_000, example: "3") ?? 0
        let keepDaily = number("BACKUP_KEEP_DAILY", 0...10_000, example: "7") ?? 0
        let keepWeekly = number("BACKUP_KEEP_WEEKLY", 0...10_000, example: "4") ?? 0
        let keepMonthly = number("BACKUP_KEEP_MONTHLY", 0...10_000, example: "12") ?? 0
        for (tier, variable) in [("local", "LOCAL_RETENTION_DAYS"), ("s3", "S3_RETENTION_DAYS"), ("glacier", "GLACIER_RETENTION_DAYS")] {
            let days = number(variable, 1...36_500, example: String(tierDefaults[tier]!)) ?? fallback ?? tierDefaults[tier]!
            storage.retention[tier] = RetentionPolicy(days: days, keepLast: keepLast, keepDaily: keepDaily, keepWeekly: keepWeekly, keepMonthly: keepMonthly)
        }

        if let bucket = value("AWS_S3_BUCKET") {
            if let problem = bucketProblem(bucket) {
                problems.append(ConfigProblem(variable: "AWS_S3_BUCKET", value: bucket, message: problem))
            }
            let key = value("AWS_ACCESS_KEY_ID"), secret = value("AWS_SECRET_ACCESS_KEY")
            if key == nil {
                problems.append(ConfigProblem(variable: "AWS_ACCESS_KEY_ID", value: nil, message: "is required when AWS_S3_BUCKET is set (or AWS_ACCESS_KEY_ID_FILE)"))
            }
            if secret == nil {
                problems.append(ConfigProblem(variable: "AWS_SECRET_ACCESS_KEY", value: nil, message: "is required when AWS_S3_BUCKET is set (or AWS_SECRET_ACCESS_KEY_FILE)"))
            }
            let endpoint = value("AWS_ENDPOINT_URL")
            if let endpoint, !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) || URLComponents(string: endpoint)?.host == nil {
                problems.append(ConfigProblem(variable: "AWS_ENDPOINT_URL", value: endpoint, message: "must be an http(s) URL, e.g. http://minio:9000"))
            }
            let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
            if region.isEmpty || !region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) {
                problems.append(ConfigProblem(variable: "AWS_REGION", value: region, message: "is not a region name, e.g. eu-central-1"))
            }
            storage.s3 = S3Settings(bucket: bucket, region: region, endpoint: endpoint, pathStyle: flag("AWS_S3_PATH_STYLE") ?? false,
                                    accessKeyID: key ?? "", secretAccessKey: secret ?? "", sessionToken: value("AWS_SESSION_TOKEN"),
                                    partSizeMiB: number("S3_PART_SIZE_MB", 5...5120, example: "8") ?? 6,
                                    parallelUploads: number("S3_PARALLEL_UPLOADS", 1...32, example: "2") ?? 2,
                                    maxAttempts: number("S3_MAX_ATTEMPTS", 1...20, example: "6") ?? 6)
            storage.s3?.stallSeconds = number("S3_STALL_SECONDS", 1...3600, example: "30") ?? 30
            storage.s3?.timeoutSeconds = number("S3_TIMEOUT_SECONDS", 5...86400, example: "300") ?? 300
        } else {
            for name in ["GLACIER_S3_BUCKET", "AWS_ENDPOINT_URL"] where value(name) != nil {
                problems.append(ConfigProblem(variable: name, value: shown(name), message: "has no effect without AWS_S3_BUCKET; set the bucket too, or unset it"))
            }
            if storage.keepLocal == false {
                problems.append(ConfigProblem(variable: "BACKUP_LOCAL", value: "false", message: "would leave no copy at all: set AWS_S3_BUCKET, or BACKUP_LOCAL=true"))
            }
        }
        if let glacier = value("GLACIER_S3_BUCKET") {
            if let problem = bucketProblem(glacier) {
                problems.append(ConfigProblem(variable: "GLACIER_S3_BUCKET", value: glacier, message: problem))
            }
            storage.glacierBucket = glacier
        }
        if let text = value("GLACIER_STORAGE_CLASS") {
            let upper = text.uppercased()
            if ["GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"].contains(upper) { storage.glacierStorageClass = upper } else {
                problems.append(ConfigProblem(variable: "GLACIER_STORAGE_CLASS", value: text, message: "must be GLACIER, DEEP_ARCHIVE or GLACIER_IR"))
            }
        }
        storage.glacierRestoreDays = number("GLACIER_RESTORE_DAYS", 1...365, example: "7") ?? 7
        if let text = value("GLACIER_RETRIEVAL_TIER") {
            let tiers = ["standard": "Standard", "bulk": "Bulk", "expedited": "Expedited"]
            if let tier = tiers[text.lowercased()] { storage.glacierRetrieval = tier } else {
                problems.append(ConfigProblem(variable: "GLACIER_RETRIEVAL_TIER", value: text, message: "must be Standard, Bulk or Expedited"))
            }
        }
        return storage
    }

    static func bucketProblem(_ text: String) -> String? {
        let trimmed = text.hasPrefix("s3://") ? String(text.dropFirst(5)) : text
        let bucket = String(trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let valid = (3...63).contains(bucket.count)
            && bucket.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
            && bucket.first.map { $0.isLetter || $0.isNumber } == true && bucket.last.map { $0.isLetter || $0.isNumber } == true
        return valid ? nil : "'\(bucket)' is not a valid bucket name: 3-63 lowercase letters, digits, '.' or '-', e.g. my-backups or my-backups/prod"
    }
}
