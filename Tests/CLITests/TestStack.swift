import Foundation
import Testing
import TestSupport

/// One Compose project of the test stack (Stack/docker-compose.yml: the
/// MongoDB-compatible server and the backend from lifeboat-test/python,
/// Redis from lifeboat-test/redis) on the test engine, driven with
/// Debian's docker-compose, on ports and a folder of its own.
final class TestStack {
    static let composeFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Stack/docker-compose.yml").path
    static let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"

    let project: String
    let dockerHost: String
    let root: String
    let mongoPort = RedisProcess.freePort()
    let redisPort = RedisProcess.freePort()
    let backendPort = RedisProcess.freePort()

    init(_ label: String, dockerHost: String, root: String) {
        project = "lb\(label)\(UInt16.random(in: 0...UInt16.max))"
        self.dockerHost = dockerHost
        self.root = root
        try? FileManager.default.createDirectory(atPath: uploads, withIntermediateDirectories: true)
    }

    deinit { _ = try? compose(["down", "-v", "--remove-orphans", "-t", "2"]) }

    var uploads: String { root + "/uploads" }
    var mongoURI: String { "mongodb://127.0.0.1:\(mongoPort)/?directConnection=true" }
    var redisURL: String { "redis://127.0.0.1:\(redisPort)/" }
    var healthURL: String { "http://127.0.0.1:\(backendPort)/api/health" }

    /// What Lifeboat needs to back this stack up and rebuild it.
    var lifeboatEnvironment: [String: String] {
        ["MONGO_URI": mongoURI, "REDIS_URL": redisURL, "UPLOADS_DIR": uploads, "COMPOSE_PROJECT_NAME": project,
         "DOCKER_HOST": dockerHost, "HEALTHCHECK_URL": healthURL, "HEALTHCHECK_TIMEOUT_SECONDS": "60", "SERVICE_WAIT_SECONDS": "60"]
    }

    /// For the one-shot backup service: its BACKUP_DIR and the socket's group.
    var backupFolder: String { root + "/backup-service" }

    @discardableResult
    func compose(_ arguments: [String]) throws -> ProcessResult {
        let socket = String(dockerHost.dropFirst("unix://".count))
        var socketStatus = stat()
        let group = stat(socket, &socketStatus) == 0 ? socketStatus.st_gid : 0
        let result = try ProcessRunner.run("/usr/bin/docker-compose", ["-p", project, "-f", Self.composeFile] + arguments, environment: [
            "DOCKER_HOST": dockerHost, "HOME": root, "STACK_MONGO_PORT": "\(mongoPort)", "STACK_REDIS_PORT": "\(redisPort)",
            "STACK_BACKEND_PORT": "\(backendPort)", "STACK_UPLOADS": uploads, "STACK_PROJECT": project,
            "STACK_DOCKER_SOCKET": socket, "STACK_DOCKER_GID": "\(group)", "STACK_BACKUP": backupFolder,
        ])
        if result.status != 0 { Issue.record("docker-compose \(arguments.joined(separator: " ")): \(result.output)") }
        return result
    }

    /// Starts every service and waits until MongoDB, Redis and the backend answer.
    func up() throws {
        try compose(["up", "-d"])
        for port in [mongoPort, redisPort, backendPort] {
            #expect(ProcessRunner.waitForPort(port, seconds: 60), "port \(port) of \(project) does not answer")
        }
    }

    /// The disaster: every container and volume of the project gone, the
    /// uploads folder lost; then the fresh server's `up --no-start`.
    func loseEverythingAndRecreate() throws {
        try compose(["down", "-v", "-t", "2"])
        try? FileManager.default.removeItem(atPath: uploads)
        try FileManager.default.createDirectory(atPath: uploads, withIntermediateDirectories: true)
        try compose(["up", "--no-start"])
    }

    @discardableResult
    func python(_ code: String, _ arguments: [String] = []) throws -> String {
        let result = try ProcessRunner.run(Self.python, ["-c", code] + arguments)
        if result.status != 0 { Issue.record("python: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func redis(_ arguments: [String]) throws -> String {
        try ProcessRunner.run("/usr/bin/redis-cli", ["-p", "\(redisPort)"] + arguments).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Documents (with an index), Redis keys of several types with TTLs, and uploads.
    func fill(documents: Int, keys: Int, files: Int, fileBytes: Int = 20_000) throws {
        try python("""
            import pymongo, sys
            c = pymongo.MongoClient(sys.argv[1])
            c.app.users.insert_many([{"_id": i, "name": "user%d" % i, "tags": ["a", i % 7], "score": i * 1.5} for i in range(int(sys.argv[2]))])
            c.app.users.create_index([("name", 1)], unique=True)
            c.app.orders.insert_many([{"user": i % 100, "total": i} for i in range(int(sys.argv[2]) // 2)])
            """, [mongoURI, "\(documents)"])
        _ = try redis(["EVAL", "for i = 1, tonumber(ARGV[1]) do if i % 3 == 0 then redis.call('HSET', 'h' .. i, 'f', i) else redis.call('SET', 'k' .. i, i) end if i % 5 == 0 then redis.call('EXPIRE', 'k' .. i, 86400) end end return 1", "0", "\(keys)"])
        for index in 0..<files {
            TreeBuilder.writeRandom(uploads + "/\(index % 4)/file-\(index).bin", bytes: fileBytes, seed: UInt64(index + 1))
        }
    }

    /// Every user collection's documents, sorted, hashed; with the indexes.
    func mongoDigest() throws -> String {
        try python("""
            import hashlib, pymongo, sys
            from bson import json_util
            c = pymongo.MongoClient(sys.argv[1])
            h = hashlib.sha256()
            for db in sorted(n for n in c.list_database_names() if n not in ("admin", "local", "config")):
                for name in sorted(c[db].list_collection_names()):
                    docs = sorted(json_util.dumps(d, sort_keys=True) for d in c[db][name].find())
                    indexes = sorted(json_util.dumps(i.get("key"), sort_keys=True) for i in c[db][name].list_indexes())
                    h.update(("%s.%s %d %s\\n" % (db, name, len(docs), indexes)).encode())
                    for d in docs: h.update(d.encode())
            print(h.hexdigest())
            """, [mongoURI])
    }

    func documentCount() throws -> Int {
        Int(try python("import pymongo,sys; c=pymongo.MongoClient(sys.argv[1]); print(c.app.users.count_documents({}) + c.app.orders.count_documents({}))", [mongoURI])) ?? -1
    }

    func health() -> String {
        (try? ProcessRunner.run("/usr/bin/curl", ["-s", healthURL]).stdout) ?? ""
    }

    /// The state of each container of the project, by service.
    func containerStates() throws -> [String: String] {
        let result = try ProcessRunner.run("/usr/bin/docker", ["-H", dockerHost, "ps", "-a", "--filter", "label=com.docker.compose.project=\(project)",
                                                               "--format", "{{.Label \"com.docker.compose.service\"}} {{.State}}"])
        var states: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { states[String(parts[0])] = String(parts[1]) }
        }
        return states
    }
}
