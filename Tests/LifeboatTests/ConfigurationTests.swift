import ByteStreams
import LifeboatConfiguration
import LifeboatCore
import Foundation
import Scheduling
import Testing
import TestSupport

@Suite struct ConfigurationTests {
    @Test func defaults() throws {
        let loaded = LoadedConfiguration.load(environment: [:])
        let settings = try loaded.validSettings()
        #expect(settings.backupDirectory == "/backup")
        #expect(settings.retentionDays == 7)
        #expect(settings.storage.retention(for: "s3").days == 30)
        #expect(settings.storage.retention(for: "glacier").days == 90)
        #expect(settings.storage.s3 == nil && settings.storage.keepLocal)
        #expect(settings.schedule.source == "0 2 * * *")
        #expect(settings.compression == Compression(algorithm: .zstd, level: 3))
        #expect(settings.uploadsDirectory == nil)
        #expect(settings.configPaths.isEmpty)
    }

    @Test func everyProblemIsReportedWithItsVariable() {
        let loaded = LoadedConfiguration.load(environment: [
            "BACKUP_DIR": "relative/dir",
            "BACKUP_RETENTION_DAYS": "thirty",
            "BACKUP_SCHEDULE": "0 25 * * *",
            "UPLOADS_DIR": "uploads",
            "CONFIG_PATHS": "/ok,.env",
            "BACKUP_COMPRESSION": "lz4",
            "BACKUP_SKIP_UNREADABLE": "maybe",
            "TZ": "Mars/Olympus",
        ])
        let variables = Set(loaded.problems.map(\.variable))
        #expect(variables == ["BACKUP_DIR", "BACKUP_RETENTION_DAYS", "BACKUP_SCHEDULE", "UPLOADS_DIR", "CONFIG_PATHS",
                              "BACKUP_COMPRESSION", "BACKUP_SKIP_UNREADABLE", "TZ"])
        let text = loaded.problems.map(\.description).joined(separator: "\n")
        #expect(text.contains("BACKUP_RETENTION_DAYS=thirty: must be a whole number from 1 to 36500"))
        #expect(text.contains("BACKUP_COMPRESSION=lz4: must be one of zstd, gzip, none"))
        #expect(text.contains("'.env' is not an absolute path"))
        #expect(throws: ConfigurationError.self) { try loaded.validSettings() }
    }

    @Test func compressionLevelIsCheckedPerAlgorithm() {
        #expect(LoadedConfiguration.load(environment: ["BACKUP_COMPRESSION": "gzip", "BACKUP_COMPRESSION_LEVEL": "12"])
            .problems.first?.message.contains("from 1 to 9 for gzip") == true)
        #expect(LoadedConfiguration.load(environment: ["BACKUP_COMPRESSION_LEVEL": "19"]).problems.isEmpty)
    }

    @Test func overridesWinOverTheEnvironment() throws {
        let loaded = LoadedConfiguration.load(environment: ["BACKUP_DIR": "/from-env"], overrides: ["BACKUP_DIR": "/from-flag"])
        #expect(try loaded.validSettings().backupDirectory == "/from-flag")
        #expect(loaded.variables.first { $0.spec.name == "BACKUP_DIR" }?.origin == .commandLine)
    }

    @Test func fileFormIsReadAndTrimmedOfOneNewline() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("days"), "14\n")
        let loaded = LoadedConfiguration.load(environment: ["BACKUP_RETENTION_DAYS_FILE": dir.sub("days")])
        #expect(try loaded.validSettings().retentionDays == 14)
        #expect(loaded.variables.first { $0.spec.name == "BACKUP_RETENTION_DAYS" }?.origin == .file)
    }

    @Test func fileFormProblems() {
        let missing = LoadedConfiguration.load(environment: ["BACKUP_DIR_FILE": "/nonexistent/secret"])
        #expect(missing.problems.map(\.variable) == ["BACKUP_DIR_FILE"])
        #expect(missing.problems[0].message.contains("cannot read the file"))
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("d"), "/x")
        let both = LoadedConfiguration.load(environment: ["BACKUP_DIR_FILE": dir.sub("d"), "BACKUP_DIR": "/y"])
        #expect(both.problems.first?.message.contains("both BACKUP_DIR and BACKUP_DIR_FILE are set") == true)
    }

    @Test func secretsAreNeverDisplayed() {
        let specs = VariableSpec.all + [VariableSpec("TEST_PASSWORD", secret: true, help: "a secret")]
        let loaded = LoadedConfiguration.load(environment: ["TEST_PASSWORD": "hunter2"], specs: specs)
        let shown = loaded.variables.first { $0.spec.name == "TEST_PASSWORD" }!.displayValue
        #expect(!shown.contains("hunter2"))
        #expect(shown.contains("redacted"))
    }

    @Test func urlCredentialsAreMasked() {
        #expect(Redaction.redactURLCredentials(in: "mongodb://app:hunter2@db:27017/x?authSource=admin") == "mongodb://app:***@db:27017/x?authSource=admin")
        #expect(Redaction.redactURLCredentials(in: "redis://:p%40ss@redis:6379/0") == "redis://:***@redis:6379/0")
        #expect(Redaction.redactURLCredentials(in: "https://example.com/a@b") == "https://example.com/a@b")
        #expect(Redaction.redactURLCredentials(in: "/plain/path") == "/plain/path")
        #expect(Redaction.redactURLCredentials(in: "mongodb:/app:hunter2@db") == "mongodb:/app:***@db")
        #expect(Redaction.redactURLCredentials(in: "mongdb//app:hunter2@db") == "mongdb//app:***@db")
        #expect(Redaction.redactURLCredentials(in: "app:hunter2@db:27017") == "app:***@db:27017")
        #expect(Redaction.redactURLCredentials(in: "mongodb://user@db") == "mongodb://user@db")
    }

    @Test func mongoURIProblemsNeverShowThePassword() {
        let loaded = LoadedConfiguration.load(environment: ["MONGO_URI": "mongdb://app:hunter2@db:27017", "MONGO_PARALLEL_COLLECTIONS": "0"])
        let text = loaded.problems.map(\.description).joined(separator: "\n")
        #expect(text.contains("MONGO_URI=mongdb://app:***@db:27017: must start with mongodb://"))
        #expect(text.contains("MONGO_PARALLEL_COLLECTIONS=0"))
        #expect(!text.contains("hunter2"))
        let shown = loaded.variables.first { $0.spec.name == "MONGO_URI" }!.displayValue
        #expect(!shown.contains("hunter2"))
    }

    @Test func misspelledVariablesAreNamedWithTheNearestKnownOne() throws {
        let loaded = LoadedConfiguration.load(environment: ["BACKUP_RETENTION_DAY": "7", "HOME": "/root", "MONGO_URL": "mongodb://x/",
                                                            "REDIS_URL_FIEL": "/run/secrets/r", "AWS_PROFILE": "p", "MONGO_INITDB_ROOT_USERNAME": "root",
                                                            "S3_SOMETHING_ELSE_ENTIRELY": "1", "LIFEBOAT_PROGRESS": "off"])
        let typos = loaded.typos.map(\.description)
        #expect(typos.contains("BACKUP_RETENTION_DAY: is not read by Lifeboat; did you mean BACKUP_RETENTION_DAYS? (rename it, or unset it)"), "\(typos)")
        #expect(typos.contains { $0.hasPrefix("MONGO_URL: is not read by Lifeboat; did you mean MONGO_URI?") }, "\(typos)")
        #expect(typos.count == 3, "\(typos)")  // REDIS_URL_FIEL is two edits from REDIS_URL_FILE
        // Far from every name: a warning only. Other tools' names and documented ones: nothing.
        #expect(loaded.warnings == ["S3_SOMETHING_ELSE_ENTIRELY is set but is not a Lifeboat setting (`lifeboat config` lists them); it is ignored"])
        #expect(throws: ConfigurationError.self) { try loaded.validSettings(strictNames: true) }
        #expect(throws: Never.self) { try loaded.validSettings() }
    }

    @Test func configPathsAcceptCommasAndNewlines() throws {
        let loaded = LoadedConfiguration.load(environment: ["CONFIG_PATHS": "/app/.env.production, /etc/nginx/nginx.conf\n/srv/docker-compose.prod.yml,"])
        #expect(try loaded.validSettings().configPaths == ["/app/.env.production", "/etc/nginx/nginx.conf", "/srv/docker-compose.prod.yml"])
    }

    @Test func storageTiersAndRetentionAreReadWithTheirFallbacks() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("secret"), "s3cr3t-key\n")
        let loaded = LoadedConfiguration.load(environment: [
            "AWS_S3_BUCKET": "my-backups/prod/", "AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY_FILE": dir.sub("secret"),
            "AWS_REGION": "eu-central-1", "AWS_ENDPOINT_URL": "http://minio:9000", "BACKUP_RETENTION_DAYS": "14",
            "GLACIER_RETENTION_DAYS": "365", "BACKUP_KEEP_MONTHLY": "12", "GLACIER_STORAGE_CLASS": "deep_archive",
        ])
        let settings = try loaded.validSettings()
        #expect(settings.storage.s3?.bucket == "my-backups/prod/")
        #expect(settings.storage.s3?.secretAccessKey == "s3cr3t-key")
        #expect(settings.storage.retention(for: "local") == RetentionPolicy(days: 14, keepMonthly: 12))
        #expect(settings.storage.retention(for: "s3").days == 14)
        #expect(settings.storage.retention(for: "glacier").days == 365)
        #expect(settings.storage.glacierStorageClass == "DEEP_ARCHIVE")
        #expect(!loaded.variables.contains { $0.displayValue.contains("s3cr3t") })
    }

    @Test func storageMistakesNameTheirVariable() {
        let loaded = LoadedConfiguration.load(environment: [
            "AWS_S3_BUCKET": "My_Bucket", "AWS_ENDPOINT_URL": "minio:9000", "S3_PART_SIZE_MB": "1",
            "GLACIER_STORAGE_CLASS": "COLD", "LOCAL_RETENTION_DAYS": "0",
        ])
        let variables = Set(loaded.problems.map(\.variable))
        #expect(variables == ["AWS_S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "S3_PART_SIZE_MB",
                              "GLACIER_STORAGE_CLASS", "LOCAL_RETENTION_DAYS"])
        let noCopy = LoadedConfiguration.load(environment: ["BACKUP_LOCAL": "false"])
        #expect(noCopy.problems.map(\.variable) == ["BACKUP_LOCAL"])
    }
}

/// One table per fact: docs/configuration.md is made from the variable
/// table, and every variable the documentation and the shipped files name
/// is one Lifeboat reads (or another tool's).
/// The configuration's table of component variables and the registered
/// components name the same components in the same order.
@Suite struct ComponentTableTests {
    @Test func everyRegisteredComponentHasItsVariableInTheTable() {
        #expect(Component.allCases.map(\.rawValue) == Settings.componentVariableTable.map(\.component))
        #expect(Component.allCases.map(\.variable) == Settings.componentVariableTable.map(\.variable))
    }
}

@Suite struct DocumentedVariablesTests {
    static let root = FileManager.default.currentDirectoryPath

    @Test func configurationDocIsTheTable() throws {
        let doc = try String(contentsOfFile: Self.root + "/docs/configuration.md", encoding: .utf8)
        #expect(doc == VariableSpec.markdownTable(), "docs/configuration.md is stale: run `lifeboat config --markdown > docs/configuration.md`")
    }

    @Test func everyDocumentedVariableIsKnown() throws {
        let files = ["README.md", "docs/format.md", "docs/runbook.md", "docs/commands.md", "docs/deployment.md", "docs/json.md", "docs/architecture.md",
                     "docs/benchmarks.md", "docker-compose.prod.yml", "Dockerfile.backup"]
        let pattern = try NSRegularExpression(pattern: "\\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\\b")
        var unknown: [String] = []
        for file in files {
            guard let text = try? String(contentsOfFile: Self.root + "/" + file, encoding: .utf8) else { continue }
            let names = Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
            let environment = Dictionary(uniqueKeysWithValues: names.map { ($0, "x") })
            // Alert codes and tokens that are not variables.
            let notVariables: Set<String> = ["BACKUP_FAILED", "BACKUP_OVERDUE", "VERIFY_FAILED", "PRUNE_FAILED", "DRILL_FAILED", "COMPONENT_MISSING",
                                             "BACKUP_SIZE_ANOMALY", "DOCTOR_FAILED", "TARGET_BEHIND",
                                             // the compose file's own substitution, bench arguments, and a typo shown as one
                                             "DOCKER_GID", "UPLOADS_MB", "REDIS_KEYS", "MONGO_URL"]
            // The examples' targets are called offsite and vault.
            let examples = ["offsite", "vault"]
            for finding in UnknownVariables.find(environment: environment, specs: VariableSpec.all + examples.flatMap(VariableSpec.forTarget), targets: examples)
            where !notVariables.contains(finding.name) {
                unknown.append("\(file): \(finding.name)")
            }
        }
        #expect(unknown.isEmpty, "documented but not read by Lifeboat: \(unknown)")
    }
}
