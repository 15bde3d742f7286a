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

    /// Each restored component's part in the rebuild, in the set's order.
    func parts(_ components: [Component]) -> [any ComponentRebuild] {
        components.compactMap { $0.handler.rebuild }
    }

    /// The rebuild's steps for this set and these components, in order.
    func steps(_ target: Located, _ components: [Component]) -> [Step] {
        let parts = parts(components)
        func restoreStep(_ part: any ComponentRebuild) -> Step {
            Step(name: part.stepName, kind: .once, plan: { part.plan(target, self.settings) }, run: { try part.restore(target, in: self) })
        }
        var steps: [Step] = []
        steps.append(Step(name: "download", kind: .once, plan: {
            let present = Set((try? SetCatalog(tier: self.local).list().complete.map(\.id)) ?? [])
            let missing = target.chain.filter { !present.contains($0.id) }
            return missing.isEmpty ? "check the local copies"
                : "download \(missing.count) set(s), \(ByteCount.describe(missing.reduce(0) { $0 + $1.storedBytes })), from \(target.tier.name) and check them"
        }, run: { try self.download(target) }))
        steps += parts.filter(\.beforeServices).map(restoreStep)
        steps.append(Step(name: "data services", kind: .always, plan: {
            guard let stack = try? self.stack() else { return "no Docker engine: data services are expected to be running" }
            let found = parts.compactMap { $0.service(self.settings) }.map { service in
                (try? stack.service(service)).map { "\($0.name) (\($0.State))" } ?? "no container for service \(service)"
            }
            return "start and wait for: " + found.joined(separator: ", ") + (stack.project.map { " in project \($0)" } ?? "")
        }, run: { try self.startDataServices(parts) }))
        steps.append(Step(name: "empty check", kind: .untilRestoreBegins, plan: {
            guard let found = try? self.findData(parts), !found.isEmpty else { return "the stack must hold no data (or --force)" }
            return (self.options.force ? "would replace (--force): " : "would REFUSE (no --force): ") + found.joined(separator: "; ")
        }, run: { try self.checkEmpty(parts) }))
        steps += parts.filter { !$0.beforeServices }.sorted { $0.order < $1.order }.map(restoreStep)
        steps.append(Step(name: "application", kind: .always, plan: { "start the project's other containers in dependency order" },
                          run: { try self.startApplication() }))
        steps.append(Step(name: "check", kind: .always, plan: {
            self.settings.rebuild.healthcheckURL.map { "poll \($0); compare the data with the manifest" } ?? "compare the data with the manifest (HEALTHCHECK_URL not set)"
        }, run: { try self.check(target, parts) }))
        return steps
    }
}
