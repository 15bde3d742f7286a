import ComposeStack
import LifeboatConfiguration
import DockerEngine
import Foundation
import MongoArchive
import MongoSource
import RedisSource
import Storage

/// `lifeboat drill`: the guide's monthly "full disaster recovery test",
/// automated. The newest set is rebuilt into a throw-away Compose project
/// on the same engine (DRILL_COMPOSE_PROJECT: the same services under other
/// container names, on other ports, with scratch volumes), checked, and torn
/// down: its data wiped and its containers stopped. The report gives the
/// recovery time the real thing would take.
///
/// The drill never touches production: it refuses when the throw-away
/// project, MongoDB, Redis or uploads folder is the production one.
public struct DrillJob: Sendable {
    let settings: Settings
    let console: Console

    public init(settings: Settings, console: Console = .standardError) {
        self.settings = settings
        self.console = console
    }

    public func run() throws -> RebuildReport {
        let drill = try drillSettings()
        var options = RebuildJob.Options(force: true)
        options.purpose = "drill"
        options.storesReport = false
        var report: RebuildReport
        var failure: LifeboatError?
        do {
            report = try RebuildJob(settings: drill, console: console).run(options)
        } catch let error as RebuildJob.Failure {
            report = error.report
            failure = error.error
        }
        // Torn down whatever happened: production data must not linger in a throw-away stack.
        let started = Date()
        do {
            let detail = try tearDown(drill, set: report.setID)
            report.steps.append(.init(name: "teardown", outcome: .done, seconds: Date().timeIntervalSince(started), detail: detail))
        } catch {
            report.steps.append(.init(name: "teardown", outcome: .failed, seconds: Date().timeIntervalSince(started), detail: "\(error)"))
            report.problems.append("the drill project was not torn down: \(error)")
            if failure == nil { failure = LifeboatError.wrap(error, doing: "tearing the drill down") }
        }
        try? FileManager.default.removeItem(atPath: settings.backupDirectory + "/.lifeboat-drill.json")
        do {
            console.info("drill report stored in \(try report.store(in: settings.backupDirectory + "/rebuild-reports"))")
        } catch {
            console.warn("could not store the drill report: \(error)")
        }
        if let failure { throw RebuildJob.Failure(error: failure, report: report) }
        return report
    }

    /// The production settings pointed at the throw-away project.
    func drillSettings() throws -> Settings {
        let rebuild = settings.rebuild
        guard let project = rebuild.drillProject else {
            throw LifeboatError.usage("a drill needs its throw-away stack: DRILL_COMPOSE_PROJECT is not set",
                                      hint: "create one beside production with other names, ports and volumes (docker compose -p app-drill -f docker-compose.drill.yml up --no-start) and set DRILL_COMPOSE_PROJECT, DRILL_MONGO_URI, DRILL_REDIS_URL, DRILL_UPLOADS_DIR (and DRILL_HEALTHCHECK_URL)")
        }
        var problems: [String] = []
        if project == settings.docker.composeProject { problems.append("DRILL_COMPOSE_PROJECT is the production project \(project)") }
        if let uri = rebuild.drillMongoURI, uri == settings.mongo.uri { problems.append("DRILL_MONGO_URI is MONGO_URI") }
        if let url = rebuild.drillRedisURL, url == settings.redis.url { problems.append("DRILL_REDIS_URL is REDIS_URL") }
        if let uploads = rebuild.drillUploadsDirectory, let live = settings.uploadsDirectory,
           uploads == live || uploads.hasPrefix(live + "/") || live.hasPrefix(uploads + "/") {
            problems.append("DRILL_UPLOADS_DIR overlaps UPLOADS_DIR")
        }
        if settings.mongo.uri != nil && rebuild.drillMongoURI == nil { problems.append("DRILL_MONGO_URI is not set (MONGO_URI is)") }
        if settings.redis.url != nil && rebuild.drillRedisURL == nil { problems.append("DRILL_REDIS_URL is not set (REDIS_URL is)") }
        if settings.uploadsDirectory != nil && rebuild.drillUploadsDirectory == nil { problems.append("DRILL_UPLOADS_DIR is not set (UPLOADS_DIR is)") }
        if !problems.isEmpty {
            throw LifeboatError.usage("the drill would not be throw-away: \(problems.joined(separator: "; "))",
                                      hint: "point every DRILL_* variable at the throw-away project, never at production")
        }
        var drill = settings
        drill.docker.composeProject = project
        drill.mongo.uri = rebuild.drillMongoURI
        drill.redis.url = rebuild.drillRedisURL
        drill.uploadsDirectory = rebuild.drillUploadsDirectory
        drill.rebuild.healthcheckURL = rebuild.drillHealthcheckURL
        // The config files are production's: a drill never writes them.
        drill.configPaths = []
        return drill
    }

    /// Wipes the throw-away copies (databases of the set, every Redis key,
    /// the uploads folder's contents) and stops the project's containers.
    private func tearDown(_ drill: Settings, set: String?) throws -> String {
        var done: [String] = []
        let manifest = set.flatMap { id in try? SetCatalog(tier: LocalTier(root: settings.backupDirectory)).resolve(id).manifest }
        if let uri = drill.mongo.uri, let summary = manifest?.artifact(.mongo)?.mongo {
            let databases = Set(summary.namespaces.compactMap { Namespace($0.namespace)?.db }).sorted()
            do {
                try MongoServerProbe.dropDatabases(uri: uri, databases)
                done.append("dropped \(databases.count) database(s)")
            } catch let error as MongoSourceError where error.kind == .unreachable {
                done.append("MongoDB not running")
            }
        }
        if let url = drill.redis.url {
            do {
                try RedisServerFacts.flushAll(try RedisEndpoint(url: url))
                done.append("Redis flushed")
            } catch let error as RedisSourceError where error.kind == .unreachable {
                done.append("Redis not running")
            }
        }
        if let uploads = drill.uploadsDirectory, FileManager.default.fileExists(atPath: uploads) {
            for name in try FileManager.default.contentsOfDirectory(atPath: uploads) {
                try FileManager.default.removeItem(atPath: uploads + "/" + name)
            }
            done.append("uploads emptied")
        }
        if let stack = try? ComposeStack(drill), let project = stack.project {
            let running = try stack.members().filter { $0.State == "running" }
            for container in running { try stack.client.stop(container.Id, timeoutSeconds: 30) }
            done.append("stopped \(running.count) container(s) of \(project)")
            let detached = try DrillNetworkLink(client: stack.client).unlink(project: project)
            if detached > 0 { done.append("detached them from production's network") }
        }
        return done.joined(separator: ", ")
    }
}
