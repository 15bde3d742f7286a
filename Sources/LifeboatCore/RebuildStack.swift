import ByteStreams
import ComposeStack
import LifeboatConfiguration
import DockerEngine
import FileSources
import Foundation
import HTTPClient
import MongoSource
import RawBSON
import RedisSource
import Storage

/// The stack a rebuild works on: its data services started and waited
/// for, the check that it holds no data, the application started in
/// dependency order.
extension RebuildRun {
    /// The Docker engine and the Compose project, or nil (with why) when
    /// there is no engine at all (no socket) and DOCKER_HOST was left at its
    /// default: a rebuild then expects the data services started by hand.
    /// A socket this user may not use is a mistake, not an absent engine,
    /// and a drill cannot run without one (it starts and removes its
    /// project): both fail at once instead of waiting for services that
    /// nobody starts.
    func stack() throws -> ComposeStack? {
        if let engine { return engine }
        if engineProblem != nil { return nil }
        do {
            engine = try ComposeStack(settings)
            return engine
        } catch let error as DockerError where !settings.dockerHostExplicit && error.kind == .socketMissing && options.purpose != "drill" {
            engineProblem = error.message
            report.problems.append("no Docker engine (\(error.message)): containers were neither started nor checked")
            return nil
        }
    }

    /// A drill's containers are reached from here under drill-* names only.
    var drillLink: DrillNetworkLink? {
        guard options.purpose == "drill", let engine else { return nil }
        return DrillNetworkLink(client: engine.client)
    }

    func startDataServices(_ components: [Component]) throws -> String {
        var notes: [String] = []
        if let stack = try stack() {
            for (component, service) in [(Component.mongo, settings.mongoService), (.redis, settings.redisService)] where components.contains(component) {
                let container = try stack.service(service)
                try drillLink?.link(container)
                if container.State != "running" {
                    try stack.client.start(container.Id)
                    notes.append("started \(container.name)")
                } else {
                    notes.append("\(container.name) running")
                }
            }
        }
        let wait = Double(settings.rebuild.serviceWaitSeconds)
        if components.contains(.mongo) {
            let started = Date()
            try MongoServerProbe.waitUntilAnswering(uri: settings.mongoURI!, timeoutSeconds: wait)
            notes.append(String(format: "MongoDB answered after %.1f s", Date().timeIntervalSince(started)))
        }
        if components.contains(.redis) {
            let started = Date()
            _ = try RedisServerFacts.waitUntilLoaded(try RedisEndpoint(url: settings.redisURL!), timeoutSeconds: wait)
            notes.append(String(format: "Redis answered after %.1f s", Date().timeIntervalSince(started)))
        }
        return notes.joined(separator: "; ")
    }

    /// What the stack already holds; a rebuild over data needs --force.
    func findData(_ components: [Component]) throws -> [String] {
        var found: [String] = []
        if components.contains(.mongo) {
            let data = try MongoServerProbe.userData(uri: settings.mongoURI!)
            if !data.isEmpty {
                let examples = data.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                found.append("MongoDB holds \(data.values.reduce(0, +)) documents in \(data.count) collections (\(examples))")
            }
        }
        if components.contains(.redis) {
            let keys = try RedisServerFacts.read(try RedisEndpoint(url: settings.redisURL!)).keys
            if keys > 0 { found.append("Redis holds \(keys) keys") }
        }
        if components.contains(.files), let uploads = settings.uploadsDirectory {
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).filter { !$0.hasPrefix(".lifeboat-") }
            if !entries.isEmpty { found.append("\(uploads) holds \(entries.count) entries") }
        }
        return found
    }

    func checkEmpty(_ components: [Component]) throws -> String {
        let found = try findData(components)
        if found.isEmpty { return "the stack holds no data" }
        guard options.force else {
            // Nothing of this rebuild happened to the stack: no state to resume.
            refused = true
            try? FileManager.default.removeItem(atPath: statePath)
            throw LifeboatError.usage("the stack already holds data: \(found.joined(separator: "; ")); a \(options.purpose) would replace it",
                                      hint: "is this the live stack? check COMPOSE_PROJECT_NAME, MONGO_URI, REDIS_URL and UPLOADS_DIR; pass --force to replace the data (the uploads' previous contents are kept aside)")
        }
        // Replacing a running stack's data: what writes to it stops until the
        // application step starts it again.
        var stopped: [String] = []
        if settings.stopDuringRestore, let guardian = try StopDuringRestore.make(settings, console: console) {
            stopped = try guardian.stopForGood()
        }
        // The uploads are set aside now, once, so the uploads step only ever
        // replaces this rebuild's own work, even when it is resumed.
        var kept: String?
        if components.contains(.files), let uploads = settings.uploadsDirectory {
            kept = try FolderSwap.setAside(uploads)
        }
        return "replacing existing data (--force): \(found.joined(separator: "; "))" + (stopped.isEmpty ? "" : "; stopped \(stopped.joined(separator: ", "))")
            + (kept.map { "; the uploads' previous contents kept at \($0)" } ?? "")
    }

    /// The RDB into the Redis container's data folder, a restart and a key
    /// count check (the guide's procedure) when the engine is there;
    /// online through replication otherwise.
    func restoreRedis(_ target: Located) throws -> String {
        var redisOptions = RestoreJob.Options(components: [.redis], overwrite: true)
        redisOptions.redisMethod = try stack() == nil ? .replication : .file
        _ = try restore(target, [.redis], redisOptions)
        let keys = target.manifest.artifact(.redis)?.redis?.totalKeys ?? 0
        return "\(keys) keys (\(redisOptions.redisMethod == .file ? "RDB file into the container, restarted" : "online, through replication")), DBSIZE checked"
    }

    func clearUploads() throws {
        guard let uploads = settings.uploadsDirectory, FileManager.default.fileExists(atPath: uploads) else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: uploads) where !name.hasPrefix(".lifeboat-") {
            try FileManager.default.removeItem(atPath: uploads + "/" + name)
        }
    }

    /// Starts the project's other containers (not one-off runs, not this
    /// one), dependencies first when Compose recorded them.
    func startApplication() throws -> String {
        guard let stack = try stack() else { return "skipped: no Docker engine" }
        guard let project = stack.project else {
            report.problems.append("no Compose project known: set COMPOSE_PROJECT_NAME so the rest of the stack is started")
            return "skipped: no Compose project (COMPOSE_PROJECT_NAME)"
        }
        let containers = try stack.application(excluding: [settings.mongoService, settings.redisService])
        let order = ComposeStack.startOrder(containers)
        var started: [String] = []
        for group in order.groups {
            let members = containers.filter { group.contains(ComposeStack.serviceName($0)) }
            for container in members where container.State != "running" {
                try stack.client.start(container.Id)
                started.append(container.name)
            }
            for container in members {
                // Running is enough, unless another service waits for it to be
                // healthy (a service's own health may depend on things to come,
                // e.g. the backup service's on its first backup); the
                // application's health is checked next, at HEALTHCHECK_URL.
                // A drill's application, out of reach of HEALTHCHECK_URL on
                // Compose networks (see check), is held to its own health checks.
                let service = ComposeStack.serviceName(container)
                let drillOnNetworks = drillLink.map { !$0.networks.isEmpty } ?? false
                try stack.client.waitUntilReady(container.Id, timeoutSeconds: Double(settings.rebuild.serviceWaitSeconds),
                                                healthy: drillOnNetworks || order.awaitedHealthy.contains(service))
            }
        }
        if containers.isEmpty { return "no other containers in project \(project)" }
        return started.isEmpty ? "all \(containers.count) containers already running" : "started \(started.joined(separator: ", "))"
    }
}
