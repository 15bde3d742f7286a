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
        } catch let error as DockerError where !settings.docker.hostExplicit && error.kind == .socketMissing && options.purpose != "drill" {
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

    func startDataServices(_ parts: [any ComponentRebuild]) throws -> String {
        var notes: [String] = []
        if let stack = try stack() {
            for service in parts.compactMap({ $0.service(settings) }) {
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
        for part in parts {
            if let note = try part.waitUntilAnswering(settings, timeoutSeconds: wait) { notes.append(note) }
        }
        return notes.joined(separator: "; ")
    }

    /// What the stack already holds; a rebuild over data needs --force.
    func findData(_ parts: [any ComponentRebuild]) throws -> [String] {
        try parts.compactMap { try $0.existingData(settings) }
    }

    func checkEmpty(_ parts: [any ComponentRebuild]) throws -> String {
        let found = try findData(parts)
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
        if settings.docker.stopDuringRestore, let guardian = try StopDuringRestore.make(settings, console: console) {
            stopped = try guardian.stopForGood()
        }
        // Set aside now, once, so each restore step only ever replaces this
        // rebuild's own work, even when it is resumed.
        let kept = try parts.compactMap { try $0.setAside(settings) }
        return "replacing existing data (--force): \(found.joined(separator: "; "))" + (stopped.isEmpty ? "" : "; stopped \(stopped.joined(separator: ", "))")
            + kept.map { "; \($0)" }.joined()
    }

    /// Starts the project's other containers (not one-off runs, not this
    /// one), dependencies first when Compose recorded them.
    func startApplication() throws -> String {
        guard let stack = try stack() else { return "skipped: no Docker engine" }
        guard let project = stack.project else {
            report.problems.append("no Compose project known: set COMPOSE_PROJECT_NAME so the rest of the stack is started")
            return "skipped: no Compose project (COMPOSE_PROJECT_NAME)"
        }
        let containers = try stack.application(excluding: [settings.mongo.service, settings.redis.service])
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
