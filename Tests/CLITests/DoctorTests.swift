import Foundation
import Testing
import TestSupport

/// `lifeboat doctor` against real servers: a healthy stack, then each
/// state that must trip a check (a MongoDB user without the backup role,
/// a Redis user without SYNC and no container to fall back to, an
/// unreadable file, a missing config file, a bucket whose policy denies
/// deletion, a lifecycle rule shorter than the retention, a clock off by
/// twenty minutes, a webhook that is down).
@Suite(.serialized) struct DoctorTests {
    static let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"

    struct Finding: Decodable { let area: String; let check: String; let status: String; let found: String; let fix: String? }
    struct Report: Decodable { let schema: String; let findings: [Finding]; let exitCode: Int32 }

    static func doctor(_ env: [String: String], _ extra: [String] = [], prefix: [String] = []) throws -> (result: ProcessResult, report: Report?) {
        let command = prefix + [ProcessRunner.lifeboatBinary, "doctor", "--json"] + extra
        let result = try ProcessRunner.run(command[0], Array(command.dropFirst()), environment: env)
        return (result, try? JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)))
    }

    static func boto(_ s3: TestServers.S3Server, _ code: String) throws {
        let script = "import boto3, json\ns3 = boto3.client('s3', endpoint_url='\(s3.endpoint)', region_name='us-east-1', aws_access_key_id='\(s3.accessKeyID)', aws_secret_access_key='\(s3.secretAccessKey)')\n" + code
        let result = try ProcessRunner.run(python, ["-c", script])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func aHealthyStackPassesEveryCheckAndTheTestAlertArrives() throws {
        guard let mongo = try TestServers.mongoURI(), let s3 = try TestServers.s3() else { return }
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess()
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "hello\n")
        TreeBuilder.write(dir.sub("config/.env"), "A=1\n")
        let bucket = TestServers.uniqueBucket("doctor")
        try Self.boto(s3, "s3.create_bucket(Bucket='\(bucket)')")
        let hookPort = RedisProcess.freePort()
        let receiver = try ProcessRunner.start("/usr/bin/python3", [FileManager.default.currentDirectoryPath + "/Tests/tools/webhook_receiver.py",
                                                                    String(hookPort), dir.sub("alerts.jsonl")], discardOutput: true)
        defer { receiver.terminate() }
        ProcessRunner.waitForPort(hookPort)
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("config/.env"),
                   "MONGO_URI": mongo, "REDIS_URL": redis.url, "AWS_S3_BUCKET": bucket, "AWS_ENDPOINT_URL": s3.endpoint,
                   "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey,
                   "ALERT_WEBHOOK_URL": "http://127.0.0.1:\(hookPort)/hook"]

        let (result, report) = try Self.doctor(env, ["--send-test-alert"])
        let fails = report?.findings.filter { $0.status == "FAIL" } ?? []
        #expect(report?.schema == "lifeboat.doctor/1", "\(result.output)")
        #expect(fails.isEmpty, "\(fails)")
        #expect(result.status == 1 && report?.exitCode == 1, "warnings (no encryption, one disk) exit 1: \(result.output)")
        let ok = Set(report?.findings.filter { $0.status == "OK" }.map { "\($0.area) \($0.check)" } ?? [])
        for expected in ["mongo reachable", "mongo topology", "mongo backup rights", "mongo restore rights", "redis reachable", "redis SYNC",
                         "files content", "config content", "s3 access", "s3 clock", "glacier access", "local BACKUP_DIR", "alerts test webhook"] {
            #expect(ok.contains(expected), "\(expected) is not OK: \(result.stdout)")
        }
        let alerts = (try? String(contentsOfFile: dir.sub("alerts.jsonl"), encoding: .utf8)) ?? ""
        #expect(alerts.contains("\"type\":\"TEST\""), "the test alert did not arrive: \(alerts)")
        // The probe objects are gone.
        let leftovers = try ProcessRunner.run(Self.python, ["-c", "import boto3; print(boto3.client('s3', endpoint_url='\(s3.endpoint)', region_name='us-east-1', aws_access_key_id='\(s3.accessKeyID)', aws_secret_access_key='\(s3.secretAccessKey)').list_objects_v2(Bucket='\(bucket)').get('KeyCount'))"])
        #expect(leftovers.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(leftovers.output)")

        // The terminal form: one line per check, the verdict last.
        let text = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["doctor"], environment: env)
        #expect(text.stdout.contains("OK    mongo"), "\(text.stdout)")
        let last = text.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("doctor: ") && last.contains("0 FAIL") && last.contains("WARN lines need attention"), "\(last)")
    }

    @Test func eachBrokenStateIsAFailThatSaysHowToFixIt() throws {
        guard let s3 = try TestServers.s3() else { return }
        let authURI = ProcessInfo.processInfo.environment["LIFEBOAT_TEST_MONGO_AUTH_URI"]
        guard try Skips.require(authURI != nil, "the authenticating test server (LIFEBOAT_TEST_MONGO_AUTH_URI)") else { return }
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let dir = TemporaryDirectory()

        // MongoDB: a user who may read one database only.
        let user = "doctor\(UInt16.random(in: 0...UInt16.max))"
        let created = try ProcessRunner.run(Self.python, ["-c", "import pymongo, sys; pymongo.MongoClient(sys.argv[1]).admin.command('createUser', sys.argv[2], pwd='pw', roles=[{'role': 'read', 'db': 'shop'}])", authURI!, user])
        #expect(created.status == 0, "\(created.output)")
        let readerURI = authURI!.replacingOccurrences(of: "lifeboat:s3cret", with: "\(user):pw")
        // Redis: a user without SYNC, and no Docker engine for the fallback.
        let redis = try RedisProcess()
        _ = try redis.cli(["ACL", "SETUSER", "nosync", "on", ">pw", "~*", "+@all", "-sync", "-psync"])
        let redisURL = redis.url.replacingOccurrences(of: "redis://", with: "redis://nosync:pw@")
        // ... with AOF on (a file restore would be refused) and maxmemory below what it uses.
        _ = try redis.cli(["CONFIG", "SET", "appendonly", "yes"])
        _ = try redis.cli(["CONFIG", "SET", "maxmemory", "100000"])
        // S3: a bucket whose policy denies deletion, with a lifecycle rule deleting after 14 days.
        let bucket = TestServers.uniqueBucket("doctor-deny")
        try Self.boto(s3, """
            s3.create_bucket(Bucket='\(bucket)')
            s3.put_bucket_policy(Bucket='\(bucket)', Policy=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Deny', 'Principal': '*', 'Action': 's3:DeleteObject', 'Resource': 'arn:aws:s3:::\(bucket)/*'}]}))
            s3.put_bucket_lifecycle_configuration(Bucket='\(bucket)', LifecycleConfiguration={'Rules': [{'ID': 'two-weeks', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Days': 14}}]})
            """)
        // Encryption: the identity kept beside the backups.
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let key = try ProcessRunner.run("/usr/bin/age-keygen", ["-o", dir.sub("backup/key.txt")])
        #expect(key.status == 0, "\(key.output)")
        chmod(dir.sub("backup/key.txt"), 0o644)
        let recipient = try ProcessRunner.run("/usr/bin/age-keygen", ["-y", dir.sub("backup/key.txt")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Files: one unreadable; config: one missing.
        TreeBuilder.write(dir.sub("uploads/ok.txt"), "fine")
        TreeBuilder.write(dir.sub("uploads/private/secret.txt"), "x", mode: 0o000)
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let prefix = try Unprivileged.prefix(opening: dir.path, writable: dir.sub("backup"))
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("nginx.conf"),
                   "MONGO_URI": readerURI, "REDIS_URL": redisURL, "REDIS_RESTORE_METHOD": "file", "DOCKER_HOST": "unix://\(dir.sub("no-docker.sock"))",
                   "AWS_S3_BUCKET": bucket, "AWS_ENDPOINT_URL": s3.endpoint,
                   "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey,
                   "ALERT_WEBHOOK_URL": "http://127.0.0.1:\(RedisProcess.freePort())/down",
                   "BACKUP_ENCRYPTION_RECIPIENTS": recipient, "BACKUP_ENCRYPTION_IDENTITY_FILE": dir.sub("backup/key.txt")]
        let (result, report) = try Self.doctor(env, prefix: prefix)
        #expect(result.status == 3 && report?.exitCode == 3, "\(result.output)")
        func failed(_ area: String, _ check: String, _ fragment: String, fix: String) {
            let finding = report?.findings.first { $0.area == area && $0.check == check }
            #expect(finding?.status == "FAIL", "\(area) \(check): \(String(describing: finding)) in \(result.stdout)")
            #expect(finding?.found.contains(fragment) == true, "\(area) \(check): \(String(describing: finding))")
            #expect(finding?.fix?.contains(fix) == true, "\(area) \(check) fix: \(String(describing: finding?.fix))")
        }
        failed("mongo", "backup rights", "not authorized", fix: "backup")
        failed("mongo", "oplog window", "local.oplog.rs", fix: "backup role")
        failed("redis", "SYNC", "no permissions to run the 'sync' command", fix: "ACL SETUSER nosync +sync")
        failed("files", "readable", "secret.txt", fix: "BACKUP_SKIP_UNREADABLE")
        failed("config", "exists", "nginx.conf", fix: "mount it")
        failed("s3", "access", "delete failed", fix: "DeleteObject")
        failed("s3", "lifecycle", "after 14 days", fix: "more than 30 days")
        failed("docker", "engine", "no-docker.sock", fix: "DOCKER_HOST")
        failed("alerts", "webhook", "cannot be reached", fix: "ALERT_WEBHOOK_URL")
        failed("redis", "persistence", "AOF on", fix: "REDIS_RESTORE_METHOD=replication")
        let memory = report?.findings.first { $0.area == "redis" && $0.check == "maxmemory" }
        #expect(memory?.status == "WARN" && memory?.fix?.contains("raise maxmemory") == true, "\(String(describing: memory))")
        let identity = report?.findings.first { $0.area == "encryption" && $0.check == "identity" && $0.status == "WARN" }
        #expect(identity?.found.contains("inside BACKUP_DIR") == true, "\(String(describing: report?.findings.filter { $0.area == "encryption" }))")
        let restore = report?.findings.first { $0.area == "mongo" && $0.check == "restore rights" }
        #expect(restore?.status == "WARN", "\(String(describing: restore))")
        #expect(!result.output.contains(":pw@"), "a password was printed")
    }

    @Test func aClockTwentyMinutesOffFailsAndWrongCredentialsAreNamed() throws {
        guard let s3 = try TestServers.s3() else { return }
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let port = RedisProcess.freePort()
        let skewed = try ProcessRunner.start("/usr/bin/python3", [FileManager.default.currentDirectoryPath + "/Tests/tools/skewed_s3.py", String(port), "1200"], discardOutput: true)
        defer { skewed.terminate() }
        ProcessRunner.waitForPort(port)
        let base = ["BACKUP_DIR": dir.sub("backup"), "AWS_S3_BUCKET": "skewed", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]
        let (result, report) = try Self.doctor(base.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:\(port)"]) { $1 })
        let clock = report?.findings.first { $0.area == "s3" && $0.check == "clock" }
        // The Date header has whole seconds: 1199 to 1201.
        #expect(clock?.status == "FAIL" && ["1199 s behind", "1200 s behind", "1201 s behind"].contains { clock?.found.contains($0) == true }, "\(String(describing: clock)): \(result.output)")
        #expect(clock?.fix?.contains("NTP") == true)
        #expect(result.status == 3)

        // A wrong secret against the signature-checking server: named, with its fix.
        let bucket = TestServers.uniqueBucket("doctor-key")
        try Self.boto(s3, "s3.create_bucket(Bucket='\(bucket)')")
        let (wrong, wrongReport) = try Self.doctor(base.merging(["AWS_ENDPOINT_URL": s3.endpoint, "AWS_S3_BUCKET": bucket,
                                                                "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": "wrong-secret"]) { $1 })
        let access = wrongReport?.findings.first { $0.area == "s3" && $0.check == "access" }
        #expect(access?.status == "FAIL" && access?.found.contains("SignatureDoesNotMatch") == true, "\(String(describing: access)): \(wrong.output)")
        #expect(access?.fix?.contains("AWS_SECRET_ACCESS_KEY") == true)
        #expect(!wrong.output.contains("wrong-secret"))

        // A bucket with Object Lock (so versioning) on: said, and versioning's cost warned of.
        let locked = TestServers.uniqueBucket("doctor-lock")
        try Self.boto(s3, "s3.create_bucket(Bucket='\(locked)', ObjectLockEnabledForBucket=True)")
        let (lockResult, lockReport) = try Self.doctor(base.merging(["AWS_ENDPOINT_URL": s3.endpoint, "AWS_S3_BUCKET": locked,
                                                                    "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey]) { $1 })
        let lock = lockReport?.findings.first { $0.area == "s3" && $0.check == "object lock" }
        #expect(lock?.found.contains("Object Lock is on") == true, "\(String(describing: lock)): \(lockResult.output)")
        let versioning = lockReport?.findings.first { $0.area == "s3" && $0.check == "versioning" }
        #expect(versioning?.status == "WARN" && versioning?.found.contains("noncurrent versions") == true, "\(String(describing: versioning))")
    }
}

extension DoctorTests {
    /// Redis refuses SYNC and the fallback's container is not in the Compose
    /// project: the doctor names the service it looked for.
    @Test func aMissingContainerIsNamed() throws {
        guard let docker = try TestServers.dockerHost() else { return }
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess()
        _ = try redis.cli(["ACL", "SETUSER", "nosync", "on", ">pw", "~*", "+@all", "-sync", "-psync"])
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let (result, report) = try Self.doctor(["BACKUP_DIR": dir.sub("backup"), "DOCKER_HOST": docker, "COMPOSE_PROJECT_NAME": "lbdoctor-empty",
                                                "REDIS_URL": redis.url.replacingOccurrences(of: "redis://", with: "redis://nosync:pw@")])
        let sync = report?.findings.first { $0.area == "redis" && $0.check == "SYNC" }
        #expect(sync?.status == "FAIL" && sync?.found.contains("no container of the Compose service 'redis'") == true, "\(String(describing: sync)): \(result.output)")
        let project = report?.findings.first { $0.area == "docker" && $0.check == "project" }
        #expect(project?.status == "WARN" && project?.found.contains("lbdoctor-empty has no containers") == true, "\(String(describing: project))")
        let engine = report?.findings.first { $0.area == "docker" && $0.check == "engine" }
        #expect(engine?.status == "OK", "\(String(describing: engine))")
    }
}
