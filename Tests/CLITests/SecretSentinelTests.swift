import Foundation
import Testing
import TestSupport

/// Secrets never in output: every secret variable holds a sentinel, every
/// command runs (and fails where it must: S3 and the webhook unreachable,
/// a wrong key), and neither their output nor any file they write holds a
/// sentinel.
@Suite struct SecretSentinelTests {
    @Test func noSentinelInAnyOutputOrFile() throws {
        let sentinel = "SENTINEL\(UInt32.random(in: 100_000...999_999))"
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        TreeBuilder.write(dir.sub("passphrase"), sentinel + "pp\n", mode: 0o600)
        let env = [
            "BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"),
            "AWS_S3_BUCKET": "sentinel-bucket", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "AKIASENTINEL",
            "AWS_SECRET_ACCESS_KEY": sentinel + "secret", "AWS_SESSION_TOKEN": sentinel + "token",
            "ALERT_WEBHOOK_URL": "http://127.0.0.1:9/services/T000/\(sentinel)hook?token=\(sentinel)query",
            "BACKUP_ENCRYPTION_PASSPHRASE_FILE": dir.sub("passphrase"),
            "REDIS_URL": "redis://:\(sentinel)redis@127.0.0.1:9/",
            "MONGO_URI": "mongodb://app:\(sentinel)mongo@127.0.0.1:9/?serverSelectionTimeoutMS=500",
            "S3_MAX_ATTEMPTS": "1", "S3_TIMEOUT_SECONDS": "5", "LIFEBOAT_HTTP_ADDR": "127.0.0.1:\(RedisProcess.freePort())",
        ]
        var outputs: [String] = []
        for command in [["config"], ["backup"], ["backup", "--components", "files"], ["list"], ["verify"], ["restore", "--to", dir.sub("out")],
                        ["report"], ["prune", "--dry-run"], ["copy", "--tier", "s3"]] {
            let result = try ProcessRunner.run(ProcessRunner.lifeboatBinary, command, environment: env)
            outputs.append("\(command): " + result.output)
        }
        // The service, long enough to start, serve a page and fail an alert.
        let serve = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["serve"], environment: env.merging(["BACKUP_SCHEDULE": "* * * * *"]) { $1 })
        Thread.sleep(forTimeInterval: 4)
        kill(serve.processIdentifier, SIGTERM)
        let served = String(decoding: (serve.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            + String(decoding: (serve.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        serve.waitUntilExit()
        outputs.append("serve: " + served)
        for output in outputs {
            #expect(!output.contains(sentinel), "a secret was printed: \(output)")
        }
        // Nor in any file written.
        for case let name as String in FileManager.default.enumerator(atPath: dir.sub("backup"))?.allObjects ?? [] {
            let path = dir.sub("backup/" + name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            #expect(data.range(of: Data(sentinel.utf8)) == nil, "a secret is in \(name)")
        }
    }
}
