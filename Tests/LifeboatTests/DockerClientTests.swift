import ByteStreams
import DockerEngine
import Foundation
import RedisSource
import StreamCompression
import TarArchive
import Testing
import TestSupport

/// The Docker engine client against a real engine (docker.io) and a Redis
/// container built from the host's binaries.
@Suite(.serialized) struct DockerClientTests {
    /// A Redis container on a free port, removed afterwards.
    final class RedisContainer {
        let client: DockerClient
        let id: String
        let port: Int
        let project: String

        init(_ host: String, project: String) throws {
            client = try DockerClient(host: host)
            try client.negotiate()
            port = RedisProcess.freePort()
            self.project = project
            id = try client.create(name: "\(project)-redis", image: TestServers.redisImage,
                                   command: ["/usr/bin/redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", "/data", "--save", "",
                                             "--repl-diskless-sync-delay", "0"],
                                   labels: ["com.docker.compose.project": project, "com.docker.compose.service": "redis"])
            try client.start(id)
            try client.waitUntilReady(id)
            for _ in 0..<100 {
                if (try? client.exec(id, ["/usr/bin/redis-cli", "-p", String(port), "ping"]))?.output.contains("PONG") == true { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        deinit { try? client.remove(id) }
    }

    @Test func engineCallsWork() throws {
        guard let host = try TestServers.dockerHost() else { return }
        let project = "lbt\(UInt16.random(in: 0...UInt16.max))"
        let redis = try RedisContainer(host, project: project)
        let client = redis.client
        #expect(DockerClient.minimumAPIVersion <= client.apiVersion)

        // Found by its Compose labels.
        let found = try client.containers(labels: ["com.docker.compose.project=\(project)", "com.docker.compose.service=redis"])
        #expect(found.map(\.Id) == [redis.id])
        #expect(found.first?.name == "\(project)-redis")
        #expect(try client.containers(labels: ["com.docker.compose.project=\(project)-nope"]).isEmpty)

        // exec: output, errors and exit codes.
        let ok = try client.exec(redis.id, ["/usr/bin/redis-cli", "-p", String(redis.port), "set", "k", "v"])
        #expect(ok.exitCode == 0 && ok.output.contains("OK"))
        let failed = try client.exec(redis.id, ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(failed.exitCode == 3)
        #expect(failed.output == "out\n")
        #expect(String(decoding: failed.stderr, as: UTF8.self) == "err\n")

        // Archive put and get, as tar streams.
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("in/hello.txt"), "hello from lifeboat\n")
        let tarPath = dir.sub("in.tar")
        #expect(try ProcessRunner.shell("tar -C '\(dir.sub("in"))' -cf '\(tarPath)' hello.txt").status == 0)
        try client.putArchive(redis.id, path: "/data", from: FileDescriptorSource(path: tarPath))
        let outPath = dir.sub("out.tar")
        let fd = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try client.getArchive(redis.id, path: "/data/hello.txt", into: FileDescriptorSink(fd: fd, path: outPath))
        close(fd)
        #expect(try ProcessRunner.shell("tar -xOf '\(outPath)' hello.txt").stdout == "hello from lifeboat\n")
        do {
            try client.getArchive(redis.id, path: "/no/such/file", into: FileDescriptorSink(fd: 1, path: "-"))
            Issue.record("a missing path was copied")
        } catch let error as DockerError {
            #expect(error.kind == .notFound, "\(error)")
        }

        // Stop, start, wait.
        try client.stop(redis.id, timeoutSeconds: 5)
        #expect(try client.inspect(redis.id).State.Running == false)
        try client.start(redis.id)
        try client.waitUntilReady(redis.id, timeoutSeconds: 30)
        #expect(try client.inspect(redis.id).State.Running)
        do {
            _ = try client.inspect("no-such-container-\(project)")
            Issue.record("a missing container was inspected")
        } catch let error as DockerError {
            #expect(error.kind == .notFound)
        }
    }

    @Test func snapshotOfARedisInAContainer() throws {
        guard let host = try TestServers.dockerHost() else { return }
        let redis = try RedisContainer(host, project: "lbs\(UInt16.random(in: 0...UInt16.max))")
        _ = try redis.client.exec(redis.id, ["/usr/bin/redis-cli", "-p", String(redis.port), "EVAL",
                                            "for i = 1, 100000 do redis.call('SET', 'k' .. i, i) end return 1", "0"])
        let dir = TemporaryDirectory()
        let fd = open(dir.sub("dump.rdb"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let summary = try RedisSnapshotter(endpoint: RedisEndpoint(url: "redis://127.0.0.1:\(redis.port)/"))
            .snapshot(into: FileDescriptorSink(fd: fd, path: dir.sub("dump.rdb")))
        close(fd)
        #expect(summary.totalKeys == 100_000)
        #expect(try ProcessRunner.run("/usr/bin/redis-check-rdb", [dir.sub("dump.rdb")]).status == 0)
    }

    @Test func aMissingSocketIsNamed() throws {
        do {
            _ = try DockerClient(host: "unix:///nonexistent/docker.sock")
            Issue.record("a missing socket was accepted")
        } catch let error as DockerError {
            #expect(error.kind == .socketMissing)
            #expect(error.description.contains("/nonexistent/docker.sock"))
        }
    }
}
