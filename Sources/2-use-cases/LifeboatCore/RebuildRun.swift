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

/// One rebuild's working state: the report being written, the resumable
/// state file, and the steps.
final class RebuildRun {
    let settings: Settings
    let console: Console
    let options: RebuildJob.Options
    var report: RebuildReport
    let statePath: String
    var state: RebuildState?
    var engine: ComposeStack?
    var engineProblem: String?
    let local: LocalTier
    /// The stack held data and --force was not given.
    var refused = false

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

    // MARK: Steps

    /// Runs a step and records it with its duration and what it did.
    @discardableResult
    func step<T>(_ name: String, _ body: () throws -> T, describe: (T) -> String) throws -> T {
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

    func step(_ name: String, _ body: () throws -> String) throws {
        try step(name, body, describe: { $0 })
    }

    /// A step that changes the stack: skipped when an interrupted run of
    /// the same rebuild finished it, recorded in the state file when done.
    func onceStep(_ name: String, _ body: () throws -> String) throws {
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
    func interrupted(_ name: String) -> Bool {
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

    /// Copies the set and its ancestors into the local tier, every artifact
    /// checked against its manifest on the way; sets already local are
    /// checked in place. Nothing is restored from bytes that do not match.
    func download(_ target: Located) throws -> String {
        let present = Set(try SetCatalog(tier: local).list().complete.map(\.id))
        var copied = 0, checked = 0
        var bytes: Int64 = 0
        var fellBack: [String] = []
        for manifest in target.chain {
            if target.tier.isLocal || present.contains(manifest.id) {
                let verification = try Verifier(tier: local, console: console, settings: settings).verify(manifest, record: false)
                guard verification.passed else {
                    throw LifeboatError.integrity("the local copy of \(manifest.id) does not match its manifest: \(verification.problems.joined(separator: "; "))",
                                                  hint: "remove it (or pass --from s3) so the remote copy is used")
                }
                checked += 1
            } else {
                fellBack += try downloadFirstUsable(manifest, preferring: target.tier)
                copied += 1
                bytes += manifest.storedBytes
            }
        }
        var parts: [String] = []
        if copied > 0 { parts.append("\(copied) set\(copied == 1 ? "" : "s") downloaded from \(target.tier.name) (\(ByteCount.describe(bytes))) and checked") }
        parts += fellBack
        if checked > 0 { parts.append("\(checked) local set\(checked == 1 ? "" : "s") checked") }
        return parts.joined(separator: ", ")
    }

    /// Downloads one set from the chosen tier or, when that copy cannot be
    /// read or does not match its manifest, from the next tier in
    /// RESTORE_ORDER that holds it; returns what was passed over.
    private func downloadFirstUsable(_ manifest: Manifest, preferring tier: any StorageTier) throws -> [String] {
        do {
            _ = try SetCopier(console: console).copy(manifest, from: tier, to: local)
            return []
        } catch {
            let failure = LifeboatError.wrap(error, doing: "downloading \(manifest.id) from the \(tier.name) tier")
            let others = TieredCatalog(tiers: try Tiers(settings), console: console).otherCopies(of: manifest.id, after: tier.name).filter { !$0.isLocal }
            var passed = ["the \(tier.name) copy of \(manifest.id) could not be used (\(failure.message))"]
            for other in others {
                console.warn("\(passed.last!); trying the copy in \(other.name) (\(other.location))")
                do {
                    _ = try SetCopier(console: console).copy(manifest, from: other, to: local)
                    return passed + ["\(manifest.id) came from \(other.name)"]
                } catch {
                    passed.append("the \(other.name) copy of \(manifest.id) could not be used (\(LifeboatError.wrap(error, doing: "downloading").message))")
                }
            }
            throw others.isEmpty ? failure : LifeboatError(failure.status, "no copy of \(manifest.id) could be downloaded: " + passed.joined(separator: "; "), hint: failure.hint)
        }
    }

    func restore(_ target: Located, _ components: [Component], _ restoreOptions: RestoreJob.Options) throws -> RestoreJob.Outcome {
        // The application is stopped once for the whole rebuild (see checkEmpty), not around each component.
        var restoreOptions = restoreOptions
        restoreOptions.stopContainers = false
        return try RestoreJob(settings: settings, tier: local, console: console).run(target.manifest.id.rawValue, options: restoreOptions)
    }
}
