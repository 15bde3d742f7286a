import Foundation
import Testing
import TestSupport

/// Every command that reports has `--json`, and what it prints conforms
/// to its schema in docs/schemas (rebuild and drill: RebuildTests).
@Suite struct JSONOutputTests {
    @Test func everyReportingCommandsJSONConformsToItsSchema() throws {
        guard let mongo = try TestServers.mongoURI(), let s3 = try TestServers.s3() else { return }
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess()
        try redis.cli(["SET", "k", "v"])
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "hello\n")
        TreeBuilder.write(dir.sub("config/.env"), "A=1\n")
        let bucket = TestServers.uniqueBucket("json")
        let created = try ProcessRunner.shell(".test-servers/venv/bin/python -c \"import boto3; boto3.client('s3', endpoint_url='\(s3.endpoint)', region_name='us-east-1', aws_access_key_id='\(s3.accessKeyID)', aws_secret_access_key='\(s3.secretAccessKey)').create_bucket(Bucket='\(bucket)')\"")
        #expect(created.status == 0, "\(created.output)")
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("config/.env"),
                   "MONGO_URI": mongo, "REDIS_URL": redis.url, "AWS_S3_BUCKET": bucket, "AWS_ENDPOINT_URL": s3.endpoint,
                   "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey]
        func check(_ schema: String, _ arguments: [String], allowed: Set<Int32> = [0]) throws -> String {
            let result = try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments + ["--json"], environment: env)
            #expect(allowed.contains(result.status), "\(arguments): \(result.output)")
            let problem = try JSONSchemaCheck.problem(result.stdout, schema: schema)
            #expect(problem == nil, "\(arguments): \(problem ?? "")")
            #expect(result.stdout.contains("\"schema\" : \"lifeboat.\(schema)/1\""), "\(arguments): \(result.stdout.prefix(300))")
            return result.stdout
        }
        let backup = try check("backup", ["backup"])
        let id = (try JSONSerialization.jsonObject(with: Data(backup.utf8)) as? [String: Any])?["id"] as? String ?? "?"
        _ = try check("list", ["list"])
        _ = try check("verify", ["verify", id])
        let deep = try check("verify", ["verify", id, "--deep"])
        #expect(deep.contains("\"depth\" : \"deep\""))
        _ = try check("restore", ["restore", id, "--components", "files,config", "--to", dir.sub("restored")])
        _ = try check("prune", ["prune", "--dry-run"])
        _ = try check("copy", ["copy", id, "--tier", "glacier"])
        _ = try check("thaw", ["thaw", id], allowed: [0, 75])
        _ = try check("config", ["config"])
        _ = try check("report", ["report"])
        _ = try check("status", ["status"], allowed: [0, 1])
        _ = try check("doctor", ["doctor"], allowed: [0, 1, 3])
        // A refused configuration still reports in JSON, and exits 64.
        let bad = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["config", "--json"], environment: env.merging(["BACKUP_SCHEDULE": "every day"]) { $1 })
        let badProblem = try JSONSchemaCheck.problem(bad.stdout, schema: "config")
        #expect(bad.status == 64 && badProblem == nil, "\(bad.output) \(badProblem ?? "")")
        #expect(bad.stdout.contains("BACKUP_SCHEDULE"))
    }
}
