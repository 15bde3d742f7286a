import Foundation
import Testing
import TestSupport

/// Containers labelled lifeboat.stop-during-restore=true are stopped during
/// a restore and running afterwards: after success, after a failure, and
/// after SIGTERM; others are never touched.
@Suite(.serialized) struct StopDuringRestoreTests {
    func docker(_ host: String, _ method: String, _ path: String, _ body: String? = nil) throws -> String {
        let socket = String(host.dropFirst("unix://".count))
        var command = "curl -s --unix-socket '\(socket)' -X \(method) 'http://localhost/v1.41\(path)'"
        if let body { command += " -H 'Content-Type: application/json' -d '\(body)'" }
        return try ProcessRunner.shell(command).stdout
    }

    func startedAt(_ host: String, _ name: String) throws -> (running: Bool, startedAt: String) {
        let json = try JSONSerialization.jsonObject(with: Data(try docker(host, "GET", "/containers/\(name)/json").utf8)) as! [String: Any]
        let state = json["State"] as! [String: Any]
        return (state["Running"] as! Bool, state["StartedAt"] as! String)
    }

    /// A stand-in service: redis-server stops at once on SIGTERM (a shell
    /// `sleep` as PID 1 would ignore it and cost the stop timeout).
    func makeContainer(_ host: String, name: String, labels: [String: String]) throws {
        let port = RedisProcess.freePort()
        let labelJSON = labels.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        _ = try docker(host, "POST", "/containers/create?name=\(name)",
                       #"{"Image": "\#(TestServers.redisImage)", "Cmd": ["/usr/bin/redis-server", "--port", "\#(port)", "--bind", "127.0.0.1", "--save", ""], "Labels": {\#(labelJSON)}, "HostConfig": {"NetworkMode": "host"}}"#)
        _ = try docker(host, "POST", "/containers/\(name)/start")
        for _ in 0..<100 where (try? ProcessRunner.run("/usr/bin/redis-cli", ["-p", String(port), "ping"]))?.stdout.contains("PONG") != true {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(try startedAt(host, name).running, "the stand-in container \(name) did not start")
    }

    @Test func labelledContainersAreStoppedAndStartedAgain() throws {
        guard let host = try TestServers.dockerHost() else { return }
        let project = "lbr\(UInt16.random(in: 0...UInt16.max))"
        let backend = "\(project)-backend", other = "\(project)-nginx", foreign = "\(project)x-backend"
        defer { for name in [backend, other, foreign] { _ = try? docker(host, "DELETE", "/containers/\(name)?force=1") } }
        try makeContainer(host, name: backend, labels: ["com.docker.compose.project": project, "lifeboat.stop-during-restore": "true"])
        try makeContainer(host, name: other, labels: ["com.docker.compose.project": project])
        try makeContainer(host, name: foreign, labels: ["com.docker.compose.project": project + "x", "lifeboat.stop-during-restore": "true"])

        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        let binary = ProcessRunner.lifeboatBinary
        var env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "DOCKER_HOST": host, "COMPOSE_PROJECT_NAME": project]
        #expect(try ProcessRunner.run(binary, ["backup"], environment: env).status == 0)

        // A restore that only looks (elsewhere, --to) stops nothing.
        let untouched = try [backend, other, foreign].map { try startedAt(host, $0) }
        let look = try ProcessRunner.run(binary, ["restore", "--to", dir.sub("look")], environment: env)
        #expect(look.status == 0, "\(look.output)")
        #expect(!look.stderr.contains("stopping"), "\(look.stderr)")
        #expect(look.stderr.contains("containers are left running"), "\(look.stderr)")
        #expect(try [backend, other, foreign].map { try startedAt(host, $0).startedAt } == untouched.map(\.startedAt), "a look-only restore restarted containers")

        // A restore into the live folder stops the labelled ones, and so does --stop-containers elsewhere.
        let before = try [backend, other, foreign].map { try startedAt(host, $0) }
        let restore = try ProcessRunner.run(binary, ["restore", "--overwrite"], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.stderr.contains("stopping \(backend)"))
        #expect(restore.stderr.contains("started \(backend) again"))
        let after = try [backend, other, foreign].map { try startedAt(host, $0) }
        #expect(after.allSatisfy { $0.running })
        #expect(after[0].startedAt != before[0].startedAt, "the backend was not stopped and started")
        #expect(after[1].startedAt == before[1].startedAt, "an unlabelled container was touched")
        #expect(after[2].startedAt == before[2].startedAt, "another project's container was touched")

        // A restore that fails after the stop: the backend runs again.
        guard try TestServers.mongoURI() != nil else { return }
        env["MONGO_URI"] = ProcessInfo.processInfo.environment["LIFEBOAT_TEST_MONGO_URI"]!
        let backup = try ProcessRunner.run(binary, ["backup", "--components", "mongo", "--ns", "nothing.*"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        env["MONGO_URI"] = "mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=1000"
        let failed = try ProcessRunner.run(binary, ["restore", "--components", "mongo", "--overwrite", "--stop-containers"], environment: env)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("stopping \(backend)"), "\(failed.stderr)")
        #expect(try startedAt(host, backend).running, "the backend stayed down after a failed restore")
    }

    @Test func sigtermStartsTheStoppedContainersBeforeExiting() throws {
        guard let host = try TestServers.dockerHost(), let mongo = try TestServers.mongoURI() else { return }
        let project = "lbt\(UInt16.random(in: 0...UInt16.max))"
        let backend = "\(project)-backend"
        defer { _ = try? docker(host, "DELETE", "/containers/\(backend)?force=1") }
        try makeContainer(host, name: backend, labels: ["com.docker.compose.project": project, "lifeboat.stop-during-restore": "true"])
        // A slow restore: 3,000 documents of 2 KB into the (slow) test server.
        let db = "\(project)db"
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        _ = try ProcessRunner.run(python, ["-c", "import pymongo,sys; pymongo.MongoClient(sys.argv[1])[sys.argv[2]].c.insert_many([{'_id': i, 'p': 'x' * 2000} for i in range(3000)])", mongo, db])
        defer { _ = try? ProcessRunner.run(python, ["-c", "import pymongo,sys; c=pymongo.MongoClient(sys.argv[1]); [c.drop_database(n) for n in c.list_database_names() if n.startswith(sys.argv[2])]", mongo, db]) }
        let dir = TemporaryDirectory()
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": mongo, "DOCKER_HOST": host, "COMPOSE_PROJECT_NAME": project,
                   "MONGO_PARALLEL_COLLECTIONS": "1"]
        let binary = ProcessRunner.lifeboatBinary
        #expect(try ProcessRunner.run(binary, ["backup", "--components", "mongo", "--ns", "\(db).*"], environment: env).status == 0)

        let process = try ProcessRunner.start(binary, ["restore", "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*", "--stop-containers"], environment: env)
        let stderr = (process.standardError as! Pipe).fileHandleForReading
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while !seen.contains("stopped \(backend)") && Date() < deadline {
            let chunk = stderr.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        #expect(seen.contains("stopped \(backend)"), "\(seen)")
        #expect(try startedAt(host, backend).running == false)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + SIGTERM, "exit \(process.terminationStatus)")
        #expect(try startedAt(host, backend).running, "SIGTERM left the backend stopped")
    }

    @Test func aSocketWithoutPermissionIsNamed() throws {
        guard let host = try TestServers.dockerHost() else { return }
        guard geteuid() == 0, try Skips.require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv") else { return }
        let dir = TemporaryDirectory()
        chmod(dir.path, 0o755)
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        let binary = ProcessRunner.lifeboatBinary
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "DOCKER_HOST": host]
        #expect(try ProcessRunner.run(binary, ["backup"], environment: env).status == 0)
        _ = try ProcessRunner.shell("chown -R 65534:65534 '\(dir.path)'")
        let result = try ProcessRunner.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", binary,
                                                                "restore", "--to", dir.sub("out"), "--stop-containers"], environment: env)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stderr.contains("permission denied on the Docker socket"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("out/files/a.txt")), "restored although the backend could not be stopped")
    }
}
