import ByteStreams
import Foundation
import LifeboatConfiguration

/// One scheduled run of the service, as a use case: take the set (into
/// the tiers the schedule names), verify the copy this host keeps, prune.
/// Verify and prune run whatever the verification found; a run whose set
/// failed, or did not reach every tier, stops there. The outcome lists each
/// stage's problem for the service to log, count and alert.
public struct ScheduledBackup: Sendable {
    public let settings: Settings
    public let console: Console
    public let now: @Sendable () -> Date

    public init(settings: Settings, console: Console, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.console = console
        self.now = now
    }

    /// Where a run went wrong.
    public enum Stage: String, Sendable { case backup, copy, verify, prune }

    /// What went wrong, as the service alerts it.
    public enum ProblemKind: Sendable {
        case failed
        /// The configuration lost a component the last full set held.
        case componentMissing
        /// The set is kept, but far from the usual size.
        case sizeAnomaly
        /// A remote tier lacks sets taken for it for longer than BACKUP_MAX_AGE.
        case targetBehind
    }

    public struct Problem: Sendable {
        public let stage: Stage
        public let kind: ProblemKind
        public let error: LifeboatError
    }

    public struct Outcome: Sendable {
        /// The set taken (nil when the backup failed).
        public var manifest: Manifest?
        /// When the set was in every tier (nil when it was not).
        public var finishedAt: Date?
        public var problems: [Problem] = []
        /// The quick verification's verdict (nil: not run or could not run).
        public var verification: VerificationRecord.State?
        /// What was checked, when the verification ran but could not check everything.
        public var unchecked: [String] = []
        public var pruned: Pruner.Plan?
        /// Earlier sets copied to the tiers they were missing from (the catch-up).
        public var caughtUp: [(set: BackupSetID, tier: String)] = []
        /// A set was taken and the copy this host keeps did not fail its check.
        public var verified: Bool { manifest != nil && !problems.contains { $0.stage == .verify } }
    }

    /// Earlier sets whose copy failed go where they were taken for, now
    /// that this run's own copies went through (the tiers answer).
    func catchUp(_ outcome: inout Outcome) {
        let result: CatchUpCopies.Result
        do {
            let lock = try BackupLock(directory: settings.backupDirectory, purpose: "catching up copies")
            defer { withExtendedLifetime(lock) {} }
            result = CatchUpCopies(settings: settings, console: console, now: now).run()
        } catch {
            console.warn("copies not caught up this run: \(LifeboatError.wrap(error, doing: "catching up copies").message)")
            return
        }
        outcome.caughtUp = result.copied
        if !result.copied.isEmpty {
            console.info("caught up \(result.copied.count) copie(s): " + result.copied.map { "\($0.set) to \($0.tier)" }.joined(separator: ", "))
        }
        for failure in result.failures { outcome.problems.append(Problem(stage: .copy, kind: .failed, error: failure)) }
        let behind = result.missing.filter { $0.age > settings.daemon.maxAge }
        if !behind.isEmpty {
            let tiers = Set(behind.map(\.tier)).sorted()
            outcome.problems.append(Problem(stage: .copy, kind: .targetBehind, error: LifeboatError(.failure,
                "TARGET_BEHIND: \(tiers.joined(separator: ", ")) lack(s) \(behind.count) set(s) taken for them, the oldest \(Int(behind.map(\.age).max()! / 3600)) h old: " + behind.prefix(5).map { "\($0.set) (\($0.tier))" }.joined(separator: ", "),
                hint: "the next runs copy up to 10 sets per tier each; `lifeboat copy ID --tier \(tiers[0])` copies one now")))
        }
    }

    /// - targets: the tiers of the set (nil: the default ones).
    public func run(kind: SetKind, label: String, targets: [String]?) -> Outcome {
        var outcome = Outcome()
        do {
            outcome.manifest = try BackupJob(settings: settings, console: console, now: now).run(components: nil, label: label, targets: targets, kind: kind)
            outcome.finishedAt = now()
        } catch let failure as BackupJob.CopyFailure {
            // Complete locally; the run stops here (the next one copies it).
            outcome.manifest = failure.manifest
            outcome.problems.append(Problem(stage: .copy, kind: .failed, error: failure.error))
            return outcome
        } catch let missing as BackupJob.ComponentMissing {
            outcome.problems.append(Problem(stage: .backup, kind: .componentMissing, error: missing.error))
            return outcome
        } catch {
            outcome.problems.append(Problem(stage: .backup, kind: .failed, error: LifeboatError.wrap(error, doing: "backup")))
            return outcome
        }
        guard let manifest = outcome.manifest else { return outcome }
        catchUp(&outcome)
        if let anomalies = manifest.anomalies, !anomalies.isEmpty {
            outcome.problems.append(Problem(stage: .backup, kind: .sizeAnomaly, error: LifeboatError(.failure,
                "set \(manifest.id) is far from the usual size: \(anomalies.map(\.description).joined(separator: "; "))",
                hint: "check the source (an empty mount, a wrong database); the set is kept")))
        }

        // Quick verification of the copy this host keeps (local, or the first remote).
        do {
            let holder = try Tiers(settings).named(manifest.copies?.first?.tier ?? "local")
            let report = try Verifier(tier: holder, console: console, settings: settings).verify(manifest)
            outcome.verification = report.state
            outcome.unchecked = report.unchecked
            if report.failed {
                outcome.problems.append(Problem(stage: .verify, kind: .failed,
                                                error: LifeboatError.integrity("set \(manifest.id) failed verification: \(report.problems.joined(separator: "; "))")))
            }
        } catch {
            outcome.problems.append(Problem(stage: .verify, kind: .failed, error: LifeboatError.wrap(error, doing: "verifying \(manifest.id)")))
        }

        do {
            outcome.pruned = try Pruner(settings: settings, console: console, now: now).run(dryRun: false)
        } catch {
            outcome.problems.append(Problem(stage: .prune, kind: .failed, error: LifeboatError.wrap(error, doing: "prune")))
        }
        return outcome
    }
}
