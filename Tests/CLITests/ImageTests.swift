import Foundation
import Testing
import TestSupport

/// The image and the compose file, as CI can check them without a
/// registry: the compose file resolves with docker-compose; the runtime
/// stage of Dockerfile.backup builds on the local engine (a debootstrapped
/// Debian base, the binary built here); inside it, `--help`, a backup
/// against the test servers (to S3 too), and the service's health check.
@Suite(.serialized) struct ImageTests {
    @Test func composeFileResolves() throws {
        let result = try ProcessRunner.shell("./scripts/check-compose.sh 2>&1")
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func theImageBacksUpAndServesInsideAContainer() throws {
        guard let dockerHost = try TestServers.dockerHost(), let mongo = try TestServers.mongoURI(), let s3 = try TestServers.s3() else { return }
        let socket = String(dockerHost.dropFirst("unix://".count))
        let build = try ProcessRunner.shell("./scripts/build-image.sh '\(socket)' '\(ProcessRunner.lifeboatBinary)' lifeboat:test 2>&1")
        #expect(build.status == 0, "\(build.output)")
        let docker = "/usr/bin/docker -H unix://\(socket)"
        let help = try ProcessRunner.shell("\(docker) run --rm lifeboat:test --help")
        #expect(help.status == 0 && help.stdout.contains("serve"), "\(help.output)")
        let user = try ProcessRunner.shell("\(docker) image inspect lifeboat:test --format '{{.Config.User}} {{json .Config.Cmd}}'")
        #expect(user.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "lifeboat [\"serve\"]")
        // The man pages and shell completions are installed.
        let docs = try ProcessRunner.shell("\(docker) run --rm --entrypoint /bin/sh lifeboat:test -c 'ls /usr/local/share/man/man1; grep -c doctor /usr/share/bash-completion/completions/lifeboat /usr/share/zsh/vendor-completions/_lifeboat /usr/share/fish/vendor_completions.d/lifeboat.fish'")
        #expect(docs.status == 0 && docs.stdout.contains("lifeboat.1") && docs.stdout.contains("lifeboat.doctor.1") && docs.stdout.contains("lifeboat.status.1"), "\(docs.output)")
        #expect(!docs.stdout.contains(":0"), "a completion script lacks the doctor command: \(docs.stdout)")

        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/report.txt"), "quarterly\n")
        // The application's repository, owned by another user than the image's and mounted read-only:
        // git in the image must read it (no "dubious ownership", no lock files).
        let head = try CodeComponentTests.makeRepository(at: dir.sub("app"))
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        _ = try ProcessRunner.shell("chown 10001 '\(dir.sub("backup"))'; chmod 755 '\(dir.path)'")
        let bucket = TestServers.uniqueBucket("image")
        _ = try ProcessRunner.shell(".test-servers/venv/bin/python -c \"import boto3; boto3.client('s3', endpoint_url='\(s3.endpoint)', region_name='us-east-1', aws_access_key_id='\(s3.accessKeyID)', aws_secret_access_key='\(s3.secretAccessKey)').create_bucket(Bucket='\(bucket)')\"")
        let environment = "-e UPLOADS_DIR=/data/uploads -e APP_REPO_DIR=/app -e MONGO_URI='\(mongo)' -e AWS_S3_BUCKET=\(bucket) -e AWS_ENDPOINT_URL=\(s3.endpoint) "
            + "-e AWS_ACCESS_KEY_ID=\(s3.accessKeyID) -e AWS_SECRET_ACCESS_KEY=\(s3.secretAccessKey)"
        let mounts = "-v '\(dir.sub("backup"))':/backup -v '\(dir.sub("uploads"))':/data/uploads:ro -v '\(dir.sub("app"))':/app:ro"
        let backup = try ProcessRunner.shell("\(docker) run --rm --network host \(mounts) \(environment) lifeboat:test backup 2>&1")
        #expect(backup.status == 0, "\(backup.output)")
        #expect(backup.output.contains("copied") && backup.output.contains("to s3"), "\(backup.output)")
        #expect(backup.output.contains("code: commit \(head.prefix(12)) on main"), "\(backup.output)")

        let port = RedisProcess.freePort()
        let name = "lifeboat-serve-\(getpid())"
        let serve = try ProcessRunner.shell("\(docker) run -d --name \(name) --network host \(mounts) \(environment) -e LIFEBOAT_HTTP_ADDR=127.0.0.1:\(port) lifeboat:test")
        defer { _ = try? ProcessRunner.shell("\(docker) rm -f \(name)") }
        #expect(serve.status == 0, "\(serve.output)")
        var health = try ProcessRunner.shell("\(docker) exec \(name) lifeboat healthcheck 2>&1")
        for _ in 0..<50 where health.status != 0 {
            Thread.sleep(forTimeInterval: 0.2)
            health = try ProcessRunner.shell("\(docker) exec \(name) lifeboat healthcheck 2>&1")
        }
        #expect(health.status == 0, "\(health.output)")
        let stop = try ProcessRunner.shell("\(docker) stop -t 20 \(name) && \(docker) inspect \(name) --format '{{.State.ExitCode}}'")
        let exitCode = stop.stdout.split(separator: "\n").last.map(String.init)
        #expect(exitCode == "0", "SIGTERM ends the service with 0: \(stop.output)")
    }
}
