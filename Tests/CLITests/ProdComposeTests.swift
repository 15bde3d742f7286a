import Foundation
import Testing
import TestSupport

/// docker-compose.prod.yml and docker-compose.drill.yml, started as shipped
/// on the test engine with Debian's docker-compose, through the override
/// ProdCompose/docker-compose.test.yml (local stand-in images; MongoDB's
/// health check and the backend replaced). What runs as written: the
/// keyFile wrapper, the root user from a secret file, the Redis password
/// from a secret into a tmpfs config, the health-gated start order, the
/// backup service with its *_FILE secrets, volumes, Docker socket and
/// published status port; a one-shot backup and a restore of the uploads
/// through `docker-compose run --rm backup`; the drill project beside it.
@Suite(.serialized) struct ProdComposeTests {
    static let override = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ProdCompose/docker-compose.test.yml").path

    @Test func theShippedComposeFilesStartBackUpRestoreAndDrill() throws {
        guard let dockerHost = try TestServers.dockerHost() else { return }
        let socket = String(dockerHost.dropFirst("unix://".count))
        for script in ["test-image.sh", "test-stack-image.sh"] {
            let built = try ProcessRunner.shell("./scripts/\(script) '\(socket)' 2>&1")
            #expect(built.status == 0, "\(built.output)")
        }
        let image = try ProcessRunner.shell("./scripts/build-image.sh '\(socket)' '\(ProcessRunner.lifeboatBinary)' lifeboat:test 2>&1")
        #expect(image.status == 0, "\(image.output)")

        // A deployment folder as the compose file's header says: the files
        // it names, secrets in a folder only root may enter, readable inside.
        let deploy = TemporaryDirectory()
        let repository = FileManager.default.currentDirectoryPath
        _ = try ProcessRunner.shell("cp '\(repository)/docker-compose.prod.yml' '\(repository)/docker-compose.drill.yml' '\(Self.override)' '\(deploy.path)/'")
        TreeBuilder.write(deploy.sub(".env.production"), "NODE_ENV=production\n")
        TreeBuilder.write(deploy.sub("nginx/nginx.conf"), "events {}\n")
        let mongoPassword = "m" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let redisPassword = "r" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let secrets = [
            "mongo_root_password": mongoPassword,
            // SecantusDB is a one-member set named "secantus", not rs0: a direct connection.
            "mongo_uri": "mongodb://admin:\(mongoPassword)@mongodb:27017/?authSource=admin&directConnection=true",
            "redis_password": redisPassword, "redis_url": "redis://:\(redisPassword)@redis:6379/",
            "aws_secret_access_key": "unused", "alert_webhook_url": "http://127.0.0.1:9/hook",
        ]
        for (name, value) in secrets { TreeBuilder.write(deploy.sub("secrets/\(name)"), value) }
        _ = try ProcessRunner.shell("chmod 700 '\(deploy.sub("secrets"))' && chmod 644 '\(deploy.sub("secrets"))'/* && chmod 755 '\(deploy.path)'")

        let project = "lbprod\(UInt16.random(in: 0...UInt16.max))"
        let drill = project + "drill"
        let statusPort = RedisProcess.freePort()
        let environment = "DOCKER_HOST='\(dockerHost)' TEST_DOCKER_SOCKET='\(socket)' STATUS_PORT=\(statusPort) AWS_S3_BUCKET= AWS_ACCESS_KEY_ID="
        let production = "-p \(project) -f docker-compose.prod.yml -f docker-compose.test.yml"
        let drillProject = "-p \(drill) -f docker-compose.prod.yml -f docker-compose.drill.yml -f docker-compose.test.yml"
        func compose(_ files: String, _ arguments: String) throws -> ProcessResult {
            try ProcessRunner.shell("cd '\(deploy.path)' && env \(environment) /usr/bin/docker-compose \(files) \(arguments) 2>&1")
        }
        let docker = "/usr/bin/docker -H unix://\(socket)"
        defer {
            _ = try? compose(drillProject, "down -v -t 2")
            _ = try? compose(production, "down -v -t 2")
        }

        // Up as written: MongoDB and Redis healthy first, then the rest.
        let up = try compose(production, "up -d")
        #expect(up.status == 0, "\(up.output)")
        let states = try ProcessRunner.shell("\(docker) ps -a --filter label=com.docker.compose.project=\(project) --format '{{.Names}} {{.Status}}'")
        for service in ["mongodb", "redis", "backend", "backup"] {
            #expect(states.stdout.contains("\(project)_\(service)_1 Up"), "\(service) is not up: \(states.output)")
        }
        #expect(!states.stdout.contains("nginx"))
        let logs = try compose(production, "logs mongodb")
        #expect(logs.stdout.contains("created the root user 'admin'"), "\(logs.output)")

        // The keyFile: made once in the volume, mode 400, owned by mongodb, the same after a restart.
        let keyCommand = "exec -T mongodb sh -c 'ls -ln /data/db/.replica-set.key; head -c 40 /data/db/.replica-set.key'"
        let key = try compose(production, keyCommand)
        #expect(key.stdout.hasPrefix("-r-------- 1 999 999 "), "\(key.output)")
        #expect(try compose(production, "restart -t 2 mongodb").status == 0)
        #expect(try compose(production, keyCommand).stdout == key.stdout, "the keyFile changed across a restart")

        // Redis answers only with the password, which is in no container's configuration.
        let noAuth = try compose(production, "exec -T redis redis-cli ping")
        #expect(noAuth.stdout.contains("NOAUTH"), "\(noAuth.output)")
        #expect(try compose(production, "exec -T redis sh -c 'REDISCLI_AUTH=\"$(cat /run/secrets/redis_password)\" redis-cli set greeting hello'").stdout.contains("OK"))
        for service in ["redis", "mongodb", "backup"] {
            let inspect = try ProcessRunner.shell("\(docker) inspect \(project)_\(service)_1")
            #expect(!inspect.stdout.contains(redisPassword) && !inspect.stdout.contains(mongoPassword), "a password is in \(service)'s configuration")
        }

        // Data for the backup: a collection, an upload written by the backend.
        let seed = "exec -T mongodb python3 -c \"import pymongo; pymongo.MongoClient('127.0.0.1', 27017, username='admin', password='\(mongoPassword)', authSource='admin', directConnection=True).shop.orders.insert_many([{'n': i} for i in range(300)])\""
        #expect(try compose(production, seed).status == 0)
        #expect(try compose(production, "exec -T backend sh -c 'mkdir -p /opt/alawael/uploads/invoices && echo paid > /opt/alawael/uploads/invoices/1.txt'").status == 0)

        // A one-shot backup through the backup service, with its secrets.
        let backup = try compose(production, "run --rm backup backup")
        #expect(backup.status == 0, "\(backup.output)")
        #expect(backup.stdout.contains("components: mongo, redis, files, config"), "\(backup.output)")
        #expect(backup.stdout.contains("mongo: 1 namespaces, 300 documents"), "\(backup.output)")
        #expect(backup.stdout.contains("redis: 1 keys"), "\(backup.output)")
        // Verified, so the drill below takes it (the newest verified set).
        let verify = try compose(production, "run --rm backup verify latest")
        #expect(verify.status == 0, "\(verify.output)")
        // The service counts it (from the sets), on its published port.
        var health = ""
        for _ in 0..<30 {
            health = (try? ProcessRunner.run("/usr/bin/curl", ["-s", "-m", "3", "http://127.0.0.1:\(statusPort)/healthz"]))?.stdout ?? ""
            if health.contains("\"lastSet\"") { break }
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(health.contains("\"status\" : \"ok\"") && health.contains("\"lastSet\""), "\(health)")

        // The uploads volume is root's (the backend made it): a restore
        // writes into it and gives the files back their owner.
        #expect(try compose(production, "exec -T backend sh -c 'rm -rf /opt/alawael/uploads/invoices'").status == 0)
        let restore = try compose(production, "run --rm backup restore latest --components files")
        #expect(restore.status == 0, "\(restore.output)")
        let restored = try compose(production, "exec -T backend sh -c 'cat /opt/alawael/uploads/invoices/1.txt; ls -ln /opt/alawael/uploads/invoices'")
        #expect(restored.stdout.contains("paid") && restored.stdout.contains(" 0 0 "), "\(restored.output)")

        // The drill project beside production: created, empty; the drill
        // attaches its data services to production's network as drill-*
        // only, and production's `mongodb` stays production's alone.
        #expect(try compose(drillProject, "up --no-start").status == 0)
        let run = "run --rm -e SERVICE_WAIT_SECONDS=60 -e DRILL_COMPOSE_PROJECT=\(drill) -v \(drill)_uploads:/drill/uploads -e DRILL_UPLOADS_DIR=/drill/uploads "
            + "-e 'DRILL_MONGO_URI=mongodb://admin:\(mongoPassword)@drill-mongodb:27017/?authSource=admin&directConnection=true' "
            + "-e 'DRILL_REDIS_URL=redis://:\(redisPassword)@drill-redis:6379/' backup drill"
        // A drill project made with the older drill file (its mongodb on
        // production's network under its service name) is refused.
        let attach = "\(docker) network connect --alias mongodb \(project)_default \(drill)_mongodb_1"
        #expect(try ProcessRunner.shell(attach).status == 0)
        let refused = try compose(production, run)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.output.contains("is on production's network \(project)_default as 'mongodb'") && refused.output.contains("up --no-start --force-recreate"), "\(refused.output)")
        // Its teardown detached it again.
        let networks = try ProcessRunner.shell("\(docker) inspect \(drill)_mongodb_1 --format '{{json .NetworkSettings.Networks}}'")
        #expect(!networks.stdout.contains("\(project)_default"), "\(networks.output)")

        let drilled = try compose(production, run)
        #expect(drilled.status == 0, "\(drilled.output)")
        #expect(drilled.output.contains("300 documents"), "\(drilled.output)")
        #expect(drilled.output.contains("detached them from production's network"), "\(drilled.output)")
        let resolve = try ProcessRunner.shell("\(docker) run --rm --network \(project)_default lifeboat-test/python python3 -c \"import socket; print(socket.gethostbyname_ex('mongodb')[2])\"")
        #expect(resolve.stdout.split(separator: ",").count == 1, "production's mongodb resolves to more than one container: \(resolve.output)")
    }
}
