import Foundation
import S3Storage
import Testing
import TestSupport

/// `serve` for real on a `* * * * *` schedule against real servers (Redis,
/// the S3 server): a set appears in both tiers and /healthz and /metrics
/// follow; Redis stopped makes the next run fail and the webhook fire
/// once; SIGTERM in the middle of a backup (no grace) leaves no set listed.
/// Waits for minute boundaries: about two minutes.
@Suite struct ServeScheduleTests {
    static func waitFor(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    static func curl(_ url: String) -> String {
        (try? ProcessRunner.shell("curl -s '\(url)'"))?.stdout ?? ""
    }

    @Test func everyMinuteAgainstRealServers() throws {
        guard let s3 = try TestServers.s3(), try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess()
        _ = try redis.cli(["SET", "greeting", "hello"])
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "hello\n")
        let bucket = TestServers.uniqueBucket("serve")
        try S3Tier(name: "s3", location: try S3Location(bucketAndPrefix: bucket, region: "us-east-1", endpoint: s3.endpoint),
                   credentials: S3Credentials(accessKeyID: s3.accessKeyID, secretAccessKey: s3.secretAccessKey)).createBucket()
        let hookPort = RedisProcess.freePort()
        let receiver = try ProcessRunner.start("/usr/bin/python3", [FileManager.default.currentDirectoryPath + "/Tests/tools/webhook_receiver.py",
                                                                    String(hookPort), dir.sub("alerts.jsonl")], discardOutput: true)
        defer { receiver.terminate() }
        let port = RedisProcess.freePort()
        let service = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["serve"], environment: [
            "BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "REDIS_URL": redis.url, "BACKUP_SCHEDULE": "* * * * *",
            "LIFEBOAT_HTTP_ADDR": "127.0.0.1:\(port)", "ALERT_WEBHOOK_URL": "http://127.0.0.1:\(hookPort)/hook",
            "AWS_S3_BUCKET": bucket, "AWS_ENDPOINT_URL": s3.endpoint, "AWS_ACCESS_KEY_ID": s3.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey, "S3_MAX_ATTEMPTS": "2",
        ], discardOutput: true)
        defer { if service.isRunning { service.terminate() } }

        // A second service whose first backup is big and which gets no grace: SIGTERM mid-backup.
        let other = TemporaryDirectory()
        var generator = SplitMix64(seed: 11)
        let big = (0..<(400 << 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try FileManager.default.createDirectory(atPath: other.sub("uploads"), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: other.sub("uploads/big.bin"), contents: Data(big)))
        let impatient = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["serve"], environment: [
            "BACKUP_DIR": other.sub("backup"), "UPLOADS_DIR": other.sub("uploads"), "BACKUP_SCHEDULE": "* * * * *",
            "LIFEBOAT_HTTP_ADDR": "off", "SHUTDOWN_GRACE_SECONDS": "0", "BACKUP_COMPRESSION": "none",
        ], discardOutput: true)
        defer { if impatient.isRunning { impatient.terminate() } }

        func setFolders(_ root: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.contains("-full-") }
        }
        let caught = Self.waitFor(75) { !setFolders(other.sub("backup")).isEmpty }
        #expect(caught, "the impatient service never started its backup")
        kill(impatient.processIdentifier, SIGTERM)
        impatient.waitUntilExit()
        #expect(impatient.terminationStatus == 1, "aborted with the backup running")
        let listed = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["list", "--json"], environment: ["BACKUP_DIR": other.sub("backup")])
        #expect(ListJSON.sets(listed.stdout)?.isEmpty == true || !listed.stdout.contains("-full-"),
                "a backup cut off by SIGTERM is not listed: \(listed.output)")
        for folder in setFolders(other.sub("backup")) {
            #expect(!FileManager.default.fileExists(atPath: other.sub("backup/\(folder)/manifest.json")), "a partial set was published")
        }

        // The first service's first run: a set in both tiers, health and metrics follow.
        #expect(Self.waitFor(20) { Self.curl("http://127.0.0.1:\(port)/healthz").contains("lastSet") })
        let metrics = Self.curl("http://127.0.0.1:\(port)/metrics")
        func sample(_ name: String) -> Int {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        #expect(sample("lifeboat_sets{tier=\"local\"}") >= 1 && sample("lifeboat_sets{tier=\"s3\"}") >= 1, "\(metrics)")
        #expect(metrics.contains("lifeboat_last_backup_bytes{component=\"redis\",tier=\"s3\"}"))
        #expect(metrics.contains("lifeboat_failures_total{stage=\"backup\"} 0"))

        // Redis goes away: the next run fails, the webhook fires once, health turns.
        redis.kill()
        #expect(Self.waitFor(75) { (try? String(contentsOfFile: dir.sub("alerts.jsonl"), encoding: .utf8)) != nil }, "no alert arrived")
        Thread.sleep(forTimeInterval: 1)
        let alerts = (try String(contentsOfFile: dir.sub("alerts.jsonl"), encoding: .utf8)).split(separator: "\n")
        #expect(alerts.count == 1, "\(alerts)")
        #expect(alerts.first?.contains("\"type\":\"BACKUP_FAILED\"") == true, "\(alerts)")
        let health = try ProcessRunner.shell("curl -s -w ' %{http_code}' http://127.0.0.1:\(port)/healthz").stdout
        #expect(health.hasSuffix(" 503") && health.contains("failed"), "\(health)")
        #expect(Self.curl("http://127.0.0.1:\(port)/metrics").contains("lifeboat_failures_total{stage=\"backup\"} 1"))

        kill(service.processIdentifier, SIGTERM)
        service.waitUntilExit()
        #expect(service.terminationStatus == 0)
    }
}
