import ByteStreams
import LifeboatConfiguration
import DockerEngine
import FileSources
import Foundation
import HTTPClient
import MongoSource
import RawBSON
import RedisSource
import Storage

/// One rebuild's working state: the report being written, the resumable
/// state file, and the steps.
final class RebuildRun {
    let settings: Settings
    let console: Console
    let options: RebuildJob.Options
    var report: RebuildReport
    private let statePath: String
    private var state: RebuildState?
    private var engine: StackContainers?
    private var engineProblem: String?
    private let local: LocalTier
    /// The stack held data and --force was not given.
    private var refused = false

    init(settings: Settings, console: Console, options: RebuildJob.Options) {
        self.settings = settings
        self.console = console
        self.options = options
        self.report = RebuildReport(purpose: options.purpose, startedAt: Date(), dryRun: options.dryRun)
        self.statePath = settings.backupDirectory + "/.lifeboat-\(options.purpose).json"
        self.local = LocalTier(root: settings.backupDirectory)
    }

    /// The request as the state file records it.
    private var request: String {
        "set \(options.set ?? "newest")" + (options.toTime.map { ", to-time \($0)" } ?? "") + (options.from.map { ", from \($0)" } ?? "")
    }

    func execute() throws {
        try LocalTier.makeDirectories(settings.backupDirectory)
        let lock = options.dryRun ? nil : try BackupLock(directory: settings.backupDirectory, purpose: options.purpose)
        defer { _ = lock }
        state = RebuildState.load(statePath)
        if let found = state {
            if found.request == request {
                report.resumed = true
                report.startedAt = found.startedAt
                console.info("continuing the \(options.purpose) of \(found.set) begun at \(RebuildReport.show(found.startedAt))")
            } else {
                // Another request: the stack may hold that rebuild's partial work, which the empty check will find.
                report.problems.append("an unfinished \(options.purpose) of \(found.set) (\(found.request ?? "?")) was begun at \(RebuildReport.show(found.startedAt)); this one (\(request)) starts anew")
                state = nil
            }
        }

        let target = try step("locate", { try locate() }, describe: \.summary)
        report.setID = target.manifest.id.rawValue
        report.tier = target.tier.name
        report.dataPointInTime = target.pointInTime
        let components = target.manifest.components.filter { component in
            switch component.handler.rebuildRole {
            case .restored: return component.handler.hasRestoreTarget(settings)
            case .onRequest: return options.restoreConfig
            case .reported: return false
            }
        }
        for component in target.manifest.components where !components.contains(component) && component.handler.rebuildRole == .restored {
            report.problems.append("the set holds \(component.rawValue) but \(component.variable) is not set: not restored")
        }
        report.applicationCode = target.manifest.artifact(.code)?.code?.describe
        let steps = self.steps(target, components)
        if options.dryRun {
            for step in steps { report.steps.append(.init(name: step.name, outcome: .planned, seconds: 0, detail: step.plan())) }
            return
        }
        if state == nil {
            state = RebuildState(set: target.manifest.id.rawValue, request: request, tier: target.tier.name, startedAt: report.startedAt,
                                 oplogLimit: target.oplogLimit.map { "\($0)" })
            try state!.save(statePath)
        }
        for step in steps {
            switch step.kind {
            case .always:
                try self.step(step.name, step.run)
            case .once:
                try onceStep(step.name, step.run)
            case .untilRestoreBegins:
                // Looks at the stack as it was before this rebuild wrote
                // anything; a resumed run that already wrote data skips it.
                guard state?.restoreBegan != true else { continue }
                try self.step(step.name, step.run)
                state?.restoreBegan = true
                try state?.save(statePath)
            }
        }
        report.finish()
        report.succeeded = true
        try? FileManager.default.removeItem(atPath: statePath)
    }

    /// One step of the rebuild: what `--dry-run` says it would do, and
    /// what it does. The same list serves both, so the plan cannot drift
    /// from the run.
    struct Step {
        enum Kind {
            /// Run every time (reads, or idempotent: locating, starting services, checks).
            case always
            /// Changes the stack: skipped when an interrupted run of the same rebuild finished it.
            case once
            /// The empty check: until the first step that writes data has begun.
            case untilRestoreBegins
        }
        let name: String
        let kind: Kind
        let plan: () -> String
        let run: () throws -> String
    }

    /// The rebuild's steps for this set and these components, in order.
    private func steps(_ target: Located, _ components: [Component]) -> [Step] {
        var steps: [Step] = []
        steps.append(Step(name: "download", kind: .once, plan: {
            let present = Set((try? SetCatalog(tier: self.local).list().complete.map(\.id)) ?? [])
            let missing = target.chain.filter { !present.contains($0.id) }
            return missing.isEmpty ? "check the local copies"
                : "download \(missing.count) set(s), \(ByteCount.describe(missing.reduce(0) { $0 + $1.storedBytes })), from \(target.tier.name) and check them"
        }, run: { try self.download(target) }))
        if components.contains(.config) {
            steps.append(Step(name: "config", kind: .once, plan: { "write the config files back to their original paths" }, run: {
                _ = try self.restore(target, [.config], RestoreJob.Options(components: [.config], overwrite: true))
                return "config files back in their original paths"
            }))
        }
        steps.append(Step(name: "data services", kind: .always, plan: {
            guard let stack = try? self.stack() else { return "no Docker engine: data services are expected to be running" }
            let found = [self.settings.mongoService, self.settings.redisService].map { service in
                (try? stack.service(service)).map { "\($0.name) (\($0.State))" } ?? "no container for service \(service)"
            }
            return "start and wait for: " + found.joined(separator: ", ") + (stack.project.map { " in project \($0)" } ?? "")
        }, run: { try self.startDataServices(components) }))
        steps.append(Step(name: "empty check", kind: .untilRestoreBegins, plan: {
            guard let found = try? self.findData(components), !found.isEmpty else { return "the stack must hold no data (or --force)" }
            return (self.options.force ? "would replace (--force): " : "would REFUSE (no --force): ") + found.joined(separator: "; ")
        }, run: { try self.checkEmpty(components) }))
        if components.contains(.redis) {
            steps.append(Step(name: "redis", kind: .once, plan: { "\(target.manifest.artifact(.redis)?.redis?.totalKeys ?? 0) keys" },
                              run: { try self.restoreRedis(target) }))
        }
        if components.contains(.mongo) {
            steps.append(Step(name: "mongo", kind: .once, plan: {
                "\(target.manifest.artifact(.mongo)?.mongo?.documentCount ?? 0) documents" + (target.oplogLimit.map { ", oplog up to \($0)" } ?? "")
            }, run: {
                var restoreOptions = RestoreJob.Options(components: [.mongo], drop: true)
                restoreOptions.oplogLimit = target.oplogLimit
                let outcome = try self.restore(target, [.mongo], restoreOptions)
                let mongo = outcome.mongo
                return "\(mongo?.inserted ?? 0) documents, \(mongo?.namespaces.count ?? 0) namespaces, \(mongo?.oplogApplied ?? 0) oplog entries replayed"
                    + (target.oplogLimit.map { " (up to \($0))" } ?? "")
            }))
        }
        if components.contains(.files) {
            steps.append(Step(name: "uploads", kind: .once, plan: {
                "\(target.manifest.artifact(.files)?.tree?.files ?? 0) files → \(self.settings.uploadsDirectory ?? "?")"
            }, run: {
                if self.interrupted("uploads") {
                    // What is there is this rebuild's own (possibly complete)
                    // restore from the interrupted run (anything older was set
                    // aside by the empty check): replaced, not kept twice.
                    try self.clearUploads()
                }
                let outcome = try self.restore(target, [.files], RestoreJob.Options(components: [.files], overwrite: true))
                let tree = target.manifest.artifact(.files)?.tree
                return "\(tree?.files ?? 0) files, \(tree?.directories ?? 0) folders → \(self.settings.uploadsDirectory!)"
                    + (outcome.keptPrevious.isEmpty ? "" : "; previous contents kept at \(outcome.keptPrevious.joined(separator: ", "))")
            }))
        }
        steps.append(Step(name: "application", kind: .always, plan: { "start the project's other containers in dependency order" },
                          run: { try self.startApplication() }))
        steps.append(Step(name: "check", kind: .always, plan: {
            self.settings.rebuild.healthcheckURL.map { "poll \($0); compare the data with the manifest" } ?? "compare the data with the manifest (HEALTHCHECK_URL not set)"
        }, run: { try self.check(target, components) }))
        return steps
    }

    // MARK: Steps

    /// Runs a step and records it with its duration and what it did.
    @discardableResult
    private func step<T>(_ name: String, _ body: () throws -> T, describe: (T) -> String) throws -> T {
        console.info("→ \(options.purpose) step: \(name)")
        let started = Date()
        do {
            let result = try body()
            let seconds = Date().timeIntervalSince(started)
            report.steps.append(.init(name: name, outcome: .done, seconds: seconds, detail: describe(result)))
            console.info("  \(name): \(describe(result)) (\(String(format: "%.1f", seconds)) s)")
            return result
        } catch {
            report.steps.append(.init(name: name, outcome: .failed, seconds: Date().timeIntervalSince(started), detail: "\(error)"))
            throw error
        }
    }

    private func step(_ name: String, _ body: () throws -> String) throws {
        try step(name, body, describe: { $0 })
    }

    /// A step that changes the stack: skipped when an interrupted run of
    /// the same rebuild finished it, recorded in the state file when done.
    private func onceStep(_ name: String, _ body: () throws -> String) throws {
        if state?.done.contains(name) == true {
            report.steps.append(.init(name: name, outcome: .alreadyDone, seconds: 0, detail: "done by the interrupted run"))
            return
        }
        if state?.begun.contains(name) == false {
            state?.begun.append(name)
            try state?.save(statePath)
        }
        try step(name, body)
        state?.done.append(name)
        try state?.save(statePath)
    }

    /// Whether an earlier run of this rebuild started `name` and was interrupted in it.
    private func interrupted(_ name: String) -> Bool {
        state?.begun.contains(name) == true && state?.done.contains(name) != true
    }

    func fail(_ error: LifeboatError) {
        report.finish()
        report.succeeded = false
        report.problems.append(error.description)
        if refused {
            report.nextSteps.append("nothing was changed; if this stack's data may be replaced, run again with --force")
        } else if !options.dryRun {
            report.nextSteps.append("fix the problem and run `lifeboat \(options.purpose)` again: it continues with the same set and skips the steps already done")
        }
    }

    func store(in directory: String) {
        do {
            let path = try report.store(in: directory)
            console.info("report stored in \(path)")
        } catch {
            console.warn("could not store the report in \(directory): \(error)")
        }
    }

    /// The set to rebuild from, where it is, and the moment it restores to.
    struct Located: Sendable {
        var tier: any StorageTier
        var manifest: Manifest
        /// The set and its ancestors, oldest first (incrementals need their chain).
        var chain: [Manifest]
        var oplogLimit: BSONTimestamp?
        var pointInTime: Date?
        var note: String
        var summary: String {
            "\(manifest.id) in \(tier.name) (\(chain.count) set\(chain.count == 1 ? "" : "s"), \(ByteCount.describe(chain.reduce(0) { $0 + $1.storedBytes })))" + note
        }
    }

    private func locate() throws -> Located {
        let tiers = try Tiers(settings)
        let catalog = TieredCatalog(tiers: tiers, console: console)
        var note = ""
        var tier: any StorageTier
        var manifest: Manifest
        var limit: BSONTimestamp?
        if let state {
            tier = try tiers.named(state.tier)
            manifest = try SetCatalog(tier: tier).resolve(state.set).manifest
            limit = state.oplogLimit.flatMap { try? PointInTime.parse($0) }
        } else if let moment = options.toTime {
            let located = try PointInTime.locate(moment, in: try options.from.map { [try tiers.named($0)] } ?? tiers.all)
            tier = located.tier
            manifest = located.entry.manifest
            limit = located.limit
        } else if let set = options.set {
            let (foundTier, entry) = try catalog.resolve(set, from: options.from)
            tier = foundTier
            manifest = entry.manifest
        } else {
            let listing = try catalog.list(only: options.from.map { [$0] })
            for failure in listing.failures {
                report.problems.append("the \(failure.tier) tier could not be listed: \(failure.error.message)")
            }
            let usable = listing.rows.filter { $0.verificationState != .failed }
            guard let row = usable.last(where: { $0.verificationState == .passed }) ?? usable.last else {
                throw LifeboatError(.failure, "no complete set in \(options.from ?? tiers.all.map(\.name).joined(separator: ", "))",
                                    hint: listing.failures.isEmpty ? "check AWS_S3_BUCKET and BACKUP_DIR" : listing.failures.map { "\($0.tier): \($0.error.message)" }.joined(separator: "; "))
            }
            if row.verificationState != .passed {
                note = "; no verified set found, the newest complete one is used (it is checked while downloading)"
                report.problems.append("no set is marked verified; \(row.id) was used and its artifacts checked against their hashes")
            } else if row.id != usable.last?.id {
                note = "; newer unverified sets passed over"
            }
            // The closest copy: local, then S3, then Glacier.
            let entry = row.entries[0]
            tier = try tiers.named(entry.tier)
            manifest = entry.manifest
        }
        var chain = [manifest]
        let sets = SetCatalog(tier: tier)
        while let parent = chain[0].parent {
            chain.insert(try sets.resolve(parent.rawValue).manifest, at: 0)
        }
        var pointInTime = manifest.finishedAt
        if let end = manifest.artifact(.mongo)?.mongo?.oplog?.end {
            pointInTime = Date(timeIntervalSince1970: TimeInterval(end.seconds))
        }
        if let limit, limit.seconds != UInt32.max { pointInTime = Date(timeIntervalSince1970: TimeInterval(min(limit.seconds, UInt32(pointInTime.timeIntervalSince1970)))) }
        if let moment = options.toTime, let limit {
            pointInTime = Date(timeIntervalSince1970: TimeInterval(min(moment.seconds, limit.seconds)))
        }
        return Located(tier: tier, manifest: manifest, chain: chain, oplogLimit: limit, pointInTime: pointInTime, note: note)
    }

    /// Copies the set and its ancestors into the local tier, every artifact
    /// checked against its manifest on the way; sets already local are
    /// checked in place. Nothing is restored from bytes that do not match.
    private func download(_ target: Located) throws -> String {
        let present = Set(try SetCatalog(tier: local).list().complete.map(\.id))
        var copied = 0, checked = 0
        var bytes: Int64 = 0
        for manifest in target.chain {
            if target.tier.isLocal || present.contains(manifest.id) {
                let verification = try Verifier(tier: local, console: console, settings: settings).verify(manifest, record: false)
                guard verification.passed else {
                    throw LifeboatError.integrity("the local copy of \(manifest.id) does not match its manifest: \(verification.problems.joined(separator: "; "))",
                                                  hint: "remove it (or pass --from s3) so the remote copy is used")
                }
                checked += 1
            } else {
                _ = try SetCopier(console: console).copy(manifest, from: target.tier, to: local)
                copied += 1
                bytes += manifest.storedBytes
            }
        }
        var parts: [String] = []
        if copied > 0 { parts.append("\(copied) set\(copied == 1 ? "" : "s") downloaded from \(target.tier.name) (\(ByteCount.describe(bytes))) and checked") }
        if checked > 0 { parts.append("\(checked) local set\(checked == 1 ? "" : "s") checked") }
        return parts.joined(separator: ", ")
    }

    private func restore(_ target: Located, _ components: [Component], _ restoreOptions: RestoreJob.Options) throws -> RestoreJob.Outcome {
        // The application is stopped once for the whole rebuild (see checkEmpty), not around each component.
        var restoreOptions = restoreOptions
        restoreOptions.stopContainers = false
        return try RestoreJob(settings: settings, tier: local, console: console).run(target.manifest.id.rawValue, options: restoreOptions)
    }

    /// The Docker engine and the Compose project, or nil (with why) when
    /// there is no engine at all (no socket) and DOCKER_HOST was left at its
    /// default: a rebuild then expects the data services started by hand.
    /// A socket this user may not use is a mistake, not an absent engine,
    /// and a drill cannot run without one (it starts and removes its
    /// project): both fail at once instead of waiting for services that
    /// nobody starts.
    private func stack() throws -> StackContainers? {
        if let engine { return engine }
        if engineProblem != nil { return nil }
        do {
            engine = try StackContainers(settings)
            return engine
        } catch let error as DockerError where !settings.dockerHostExplicit && error.kind == .socketMissing && options.purpose != "drill" {
            engineProblem = error.message
            report.problems.append("no Docker engine (\(error.message)): containers were neither started nor checked")
            return nil
        }
    }

    /// A drill's containers are reached from here under drill-* names only.
    private var drillLink: DrillNetworkLink? {
        guard options.purpose == "drill", let engine else { return nil }
        return DrillNetworkLink(client: engine.client)
    }

    private func startDataServices(_ components: [Component]) throws -> String {
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
    private func findData(_ components: [Component]) throws -> [String] {
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

    private func checkEmpty(_ components: [Component]) throws -> String {
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
    private func restoreRedis(_ target: Located) throws -> String {
        var redisOptions = RestoreJob.Options(components: [.redis], overwrite: true)
        redisOptions.redisMethod = try stack() == nil ? .replication : .file
        _ = try restore(target, [.redis], redisOptions)
        let keys = target.manifest.artifact(.redis)?.redis?.totalKeys ?? 0
        return "\(keys) keys (\(redisOptions.redisMethod == .file ? "RDB file into the container, restarted" : "online, through replication")), DBSIZE checked"
    }

    private func clearUploads() throws {
        guard let uploads = settings.uploadsDirectory, FileManager.default.fileExists(atPath: uploads) else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: uploads) where !name.hasPrefix(".lifeboat-") {
            try FileManager.default.removeItem(atPath: uploads + "/" + name)
        }
    }

    /// Starts the project's other containers (not one-off runs, not this
    /// one), dependencies first when Compose recorded them.
    private func startApplication() throws -> String {
        guard let stack = try stack() else { return "skipped: no Docker engine" }
        guard let project = stack.project else {
            report.problems.append("no Compose project known: set COMPOSE_PROJECT_NAME so the rest of the stack is started")
            return "skipped: no Compose project (COMPOSE_PROJECT_NAME)"
        }
        let own = ProcessInfo.processInfo.hostName
        let dataServices: Set<String> = [settings.mongoService, settings.redisService]
        let containers = try stack.client.containers(labels: ["com.docker.compose.project=\(project)"]).filter { container in
            let labels = container.Labels ?? [:]
            return !dataServices.contains(labels["com.docker.compose.service"] ?? "")
                && labels["com.docker.compose.oneoff"]?.lowercased() != "true"
                && !(own.count >= 12 && container.Id.hasPrefix(own))
        }
        let order = ComposeStartOrder(containers.map { ($0.Labels?["com.docker.compose.service"] ?? $0.name, $0.Labels?["com.docker.compose.depends_on"]) })
        var started: [String] = []
        for group in order.groups {
            let members = containers.filter { group.contains($0.Labels?["com.docker.compose.service"] ?? $0.name) }
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
                let service = container.Labels?["com.docker.compose.service"] ?? container.name
                let drillOnNetworks = drillLink.map { !$0.networks.isEmpty } ?? false
                try stack.client.waitUntilReady(container.Id, timeoutSeconds: Double(settings.rebuild.serviceWaitSeconds),
                                                healthy: drillOnNetworks || order.awaitedHealthy.contains(service))
            }
        }
        if containers.isEmpty { return "no other containers in project \(project)" }
        return started.isEmpty ? "all \(containers.count) containers already running" : "started \(started.joined(separator: ", "))"
    }

    /// The application's health endpoint, then the restored data against the manifest.
    private func check(_ target: Located, _ components: [Component]) throws -> String {
        var notes: [String] = []
        if let url = settings.rebuild.healthcheckURL, let link = drillLink, !link.networks.isEmpty {
            // Only the drill's data services are attached to production's
            // network (DrillNetworkLink); its application is not, since it
            // would reach production's services by their names there.
            report.checks.append("DRILL_HEALTHCHECK_URL \(url) not checked: the drill's application runs on the drill's network only, out of reach from production's (on purpose); its containers' own health checks were waited for")
            notes.append("application health not checked")
        } else if let url = settings.rebuild.healthcheckURL {
            let started = Date()
            let deadline = started.addingTimeInterval(Double(settings.rebuild.healthcheckTimeoutSeconds))
            let transfer = try HTTPTransfer()
            var last = "no answer"
            while true {
                do {
                    let response = try transfer.perform(method: "GET", url: url, timeoutSeconds: 10, connectTimeoutSeconds: 5)
                    if (200..<300).contains(response.status) { break }
                    last = "HTTP \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
                } catch {
                    last = "\(error)"
                }
                if Date() >= deadline {
                    throw LifeboatError(.failure, "the application is not healthy after \(settings.rebuild.healthcheckTimeoutSeconds) s: \(url) → \(last)",
                                        hint: "look at the application's logs (docker compose logs); the data is restored, only the check failed")
                }
                Thread.sleep(forTimeInterval: 1)
            }
            let line = String(format: "HEALTHCHECK_URL %@ healthy after %.1f s", url, Date().timeIntervalSince(started))
            report.checks.append(line)
            notes.append("healthy")
        } else {
            report.checks.append("HEALTHCHECK_URL not set: the application was not checked")
        }
        if components.contains(.mongo), let summary = target.manifest.artifact(.mongo)?.mongo {
            // Exact when nothing was replayed on top of the dump; otherwise
            // the replayed writes change the counts, which is expected.
            let replayed = target.chain.count > 1 || (summary.oplog?.entries ?? 0) > 0
            let namespaces = summary.namespaces.filter { $0.type == "collection" }
            let found = try MongoServerProbe.summary(uri: settings.mongoURI!, namespaces: namespaces.map(\.namespace))
            var byName: [String: MongoSummary.NamespaceSummary] = [:]
            for namespace in found.namespaces { byName[namespace.namespace] = namespace }
            let differing = namespaces.filter { byName[$0.namespace]?.documents != $0.documents || byName[$0.namespace]?.digest != $0.digest }
            if differing.isEmpty {
                report.checks.append("MongoDB: \(namespaces.count) collections, \(summary.documentCount) documents: counts and content digests equal the manifest's")
            } else if replayed {
                report.checks.append("MongoDB: \(differing.count) of \(namespaces.count) collections differ from the dump after the oplog replay (expected: the replay adds later writes)")
            } else {
                let shown = differing.prefix(5).map { "\($0.namespace) \(byName[$0.namespace]?.documents ?? 0)/\($0.documents)" }.joined(separator: ", ")
                throw LifeboatError.integrity("MongoDB after the restore differs from the manifest in \(differing.count) collections: \(shown)")
            }
            notes.append("MongoDB data checked")
        }
        if components.contains(.redis), let summary = target.manifest.artifact(.redis)?.redis {
            let keys = try RedisServerFacts.read(try RedisEndpoint(url: settings.redisURL!)).keys
            report.checks.append("Redis: \(keys) keys (the snapshot held \(summary.totalKeys)\(keys == summary.totalKeys ? "" : "; the application has written since it started"))")
            notes.append("Redis keys counted")
        }
        if components.contains(.files), let tree = target.manifest.artifact(.files)?.tree, let uploads = settings.uploadsDirectory {
            var files = 0
            if let walker = FileManager.default.enumerator(atPath: uploads) {
                while let path = walker.nextObject() as? String {
                    if path.hasPrefix(".lifeboat-") { walker.skipDescendants(); continue }
                    if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { files += 1 }
                }
            }
            report.checks.append("uploads: \(files) files in \(uploads) (the set holds \(tree.files); every file's content was checked while extracting)")
            notes.append("uploads counted")
        }
        return notes.joined(separator: ", ")
    }
}
