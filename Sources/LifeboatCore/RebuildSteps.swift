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

/// The rebuild as data: its steps in order, each with what `--dry-run`
/// says and what the run does.
extension RebuildRun {
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
    func steps(_ target: Located, _ components: [Component]) -> [Step] {
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
}
