import ByteStreams
import LifeboatConfiguration
import Foundation
import LifeboatCore
import Logging
import Notifications
import Scheduling
import Storage

/// `lifeboat serve`: runs the schedules until stopped. One run at a time
/// on the loop thread (a run due while another runs waits, and is logged);
/// after each backup: quick verification, then prune. State survives
/// restarts (for catch-up and the report); an overdue watch alerts when
/// no backup succeeded within BACKUP_MAX_AGE.
public final class BackupDaemon: @unchecked Sendable {
    // @unchecked Sendable: `stopping` and `loopDone` are guarded by
    // `condition`; everything else is immutable or itself thread-safe.
    public let settings: Settings
    public let store: DaemonStateStore
    public let alerts: AlertSender
    /// HEARTBEAT_URL's pinger, when set.
    public let heartbeat: Heartbeat?
    /// The Compose project every alert names (nil outside Compose).
    public let project: String?
    public let logger: Logger
    public let startedAt: Date
    private let now: @Sendable () -> Date
    private let condition = NSCondition()
    private var stopping = false
    private var loopDone = false

    public init(settings: Settings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.logger = logger
        self.now = now
        self.startedAt = now()
        self.store = DaemonStateStore(path: settings.backupDirectory + "/.lifeboat-daemon.json")
        let log = logger
        self.alerts = AlertSender(settings: settings.daemon.alerts, log: { log.warning("\($0)") })
        self.heartbeat = settings.daemon.alerts.heartbeatURL.map { Heartbeat(url: $0, log: { log.warning("\($0)") }) }
        self.project = StackIdentity.project(settings)
    }

    var schedules: ScheduleSet { ScheduleSet(Schedule.all(settings), timeZone: settings.timeZone) }

    /// Starts the loop and the overdue watch on threads of their own.
    public func start() {
        try? LocalTier.makeDirectories(settings.backupDirectory)
        let loop = Thread { [self] in
            runLoop()
            condition.lock()
            loopDone = true
            condition.broadcast()
            condition.unlock()
        }
        loop.name = "lifeboat-scheduler"
        loop.start()
        let watch = Thread { [self] in overdueWatch() }
        watch.name = "lifeboat-overdue"
        watch.start()
        if let cron = settings.daemon.doctorSchedule {
            let doctor = Thread { [self] in doctorLoop(cron) }
            doctor.name = "lifeboat-doctor"
            doctor.start()
        }
        if settings.daemon.oplogStream {
            if settings.mongo.uri == nil {
                logger.warning("OPLOG_STREAM=true needs MONGO_URI: no oplog slices")
            } else {
                let capture = Thread { [self] in oplogCapture() }
                capture.name = "lifeboat-oplog"
                capture.start()
            }
        }
    }

    /// Stops taking new runs and waits up to SHUTDOWN_GRACE_SECONDS for the
    /// running one. Returns false when it was still running (the process
    /// then exits: its set stays incomplete, never listed, and is removed
    /// by the next backup).
    public func stop() -> Bool {
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date().addingTimeInterval(Double(settings.daemon.shutdownGraceSeconds))
        while !loopDone && condition.wait(until: deadline) {}
        let done = loopDone
        condition.unlock()
        // What the last run had to say still goes out (briefly: the
        // container is being stopped).
        alerts.drain(timeout: 15)
        heartbeat?.drain(timeout: 15)
        return done
    }

    /// Sleeps until `date`; false when stopped first.
    private func wait(until date: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !stopping {
            let remaining = date.timeIntervalSince(now())
            if remaining <= 0 { return true }
            _ = condition.wait(until: Date().addingTimeInterval(min(remaining, 60)))
        }
        return false
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    func runLoop() {
        let zone = settings.timeZone
        for schedule in schedules.schedules {
            let next = schedule.cron.nextRuns(after: now(), count: 1, in: zone).first.map { StatusReport.iso($0) } ?? "never"
            logger.info("schedule \(schedule.variable)='\(schedule.cron.source)' (\(schedule.kind.rawValue)): next run \(next)")
        }
        var cursor = now()
        if settings.daemon.catchUp, let missed = missedBackup(at: cursor) {
            logger.info("catching up: the \(missed.schedule.kind.rawValue) due at \(StatusReport.iso(missed.time)) did not run (BACKUP_CATCH_UP)")
            perform([missed.schedule], scheduledAt: missed.time)
        }
        while !isStopping {
            guard var (time, due) = schedules.next(after: cursor) else { return }
            // Slots that passed during a long run collapse into one late run.
            while let (later, laterDue) = schedules.next(after: time), later <= now() {
                logger.warning("the run due at \(StatusReport.iso(time)) is superseded by the one due at \(StatusReport.iso(later)), both passed during an earlier run")
                (time, due) = (later, laterDue)
            }
            guard wait(until: time) else { return }
            let late = now().timeIntervalSince(time)
            if late > 60 {
                logger.warning("running \(due.map(\.kind.rawValue).joined(separator: ", ")) \(StatusReport.duration(late)) late: a run was in progress when it was due")
            }
            perform(due, scheduledAt: time)
            cursor = time
        }
    }

    /// The backup schedule's latest slot, when it passed without a run
    /// since the last recorded one (the service was down).
    func missedBackup(at date: Date) -> (schedule: Schedule, time: Date)? {
        let state = store.current
        guard let backup = schedules.schedules.first(where: { $0.kind == .backup }),
              let previous = backup.previousRun(atOrBefore: date, in: settings.timeZone) else { return nil }
        let lastRun = state.lastScheduledRun[Schedule.Kind.backup.rawValue] ?? state.lastSuccess?.startedAt
        guard let lastRun else { return nil }  // a fresh service waits for its first slot
        return lastRun < previous ? (backup, previous) : nil
    }

    /// Runs what is due: the first backup among them (it counts for the
    /// others), then a deep verification if due.
    public func perform(_ due: [Schedule], scheduledAt time: Date) {
        if let backup = due.first(where: \.isBackup) {
            runBackup(backup.kind)
        }
        if due.contains(where: { $0.kind == .verify }) {
            runDeepVerify()
        }
        if due.contains(where: { $0.kind == .drill }) {
            runDrill()
        }
        store.update { state in for schedule in due { state.lastScheduledRun[schedule.kind.rawValue] = time } }
    }

    func console(_ logger: Logger) -> Console {
        Console(info: { logger.info("\($0)") }, warn: { logger.warning("\($0)") })
    }

    public func runBackup(_ kind: Schedule.Kind) {
        var logger = self.logger
        logger[metadataKey: "run"] = "\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        logger[metadataKey: "schedule"] = "\(kind.rawValue)"
        let console = console(logger)
        let started = now()
        heartbeat?.ping(.start, message: "\(kind.rawValue) backup started on \(Alert.place(host: ProcessInfo.processInfo.hostName, project: project))")
        var targets: [String]?
        var label = "scheduled \(kind.rawValue)"
        do {
            let tiers = try Tiers(settings)
            switch kind {
            case .archive, .snapshot:
                var names = tiers.defaultTargets(settings)
                if tiers.archiveTargets.isEmpty {
                    logger.warning("no Glacier tier (AWS_S3_BUCKET is not set) and no target taking archives: the \(kind.rawValue) goes to \(names.joined(separator: ", "))")
                }
                names += tiers.archiveTargets
                targets = names
                label = kind == .archive ? "weekly archive" : "monthly snapshot"
            case .backup, .verify, .incremental, .drill:
                break
            }
        } catch {
            let failure = LifeboatError.wrap(error, doing: "reading the tiers")
            fail(kind, stage: "backup", failure, logger: logger)
            heartbeat?.ping(.failure, message: failure.message)
            return
        }
        logger.info("backup started (\(label))")
        let outcome = ScheduledBackup(settings: settings, console: console, now: now)
            .run(kind: kind == .incremental ? .incremental : .full, label: label, targets: targets)
        // The catch-up copies read sets and write them elsewhere: on the record, one line per target.
        for tier in Set(outcome.caughtUp.map(\.tier)).sorted() {
            audit("copy", sets: outcome.caughtUp.filter { $0.tier == tier }.map(\.set.rawValue), tiers: ["local", tier], logger: logger)
        }
        for problem in outcome.problems {
            let alert: Alert.Kind
            switch (problem.stage, problem.kind) {
            case (_, .componentMissing): alert = .componentMissing
            case (_, .sizeAnomaly): alert = .sizeAnomaly
            case (_, .targetBehind): alert = .targetBehind
            case (.verify, _): alert = .verifyFailed
            case (.prune, _): alert = .pruneFailed
            case (.backup, .failed), (.copy, .failed): alert = .backupFailed
            }
            fail(kind, stage: problem.stage.rawValue, problem.error, logger: logger, alert: alert, set: outcome.manifest?.id.rawValue)
        }
        // The watcher hears "fail" for anything less than all that was asked.
        if let first = outcome.problems.first {
            heartbeat?.ping(.failure, message: "\(outcome.manifest.map { "set \($0.id): " } ?? "")\(first.stage.rawValue): \(first.error.message)"
                            + (outcome.problems.count > 1 ? " (and \(outcome.problems.count - 1) more problem(s))" : ""))
        } else if let manifest = outcome.manifest {
            heartbeat?.ping(.success, message: "set \(manifest.id): \(ByteCount.describe(manifest.storedBytes)) in \(manifest.copies?.map(\.tier).joined(separator: ", ") ?? "local")")
        } else {
            heartbeat?.ping(.failure, message: "the \(kind.rawValue) backup made no set")
        }
        // A set that did not reach every tier is a failed run, as before: no success recorded.
        guard let manifest = outcome.manifest, let finished = outcome.finishedAt else { return }
        logger.info("backup \(manifest.id) complete in \(StatusReport.duration(finished.timeIntervalSince(started))), \(ByteCount.describe(manifest.storedBytes))")
        if outcome.verification == .notChecked {
            logger.warning("verification of \(manifest.id) incomplete, nothing found wrong; not checked: \(outcome.unchecked.joined(separator: "; "))")
        } else if let state = outcome.verification {
            record(verification: state == .passed)
        }
        if let plan = outcome.pruned {
            store.update { $0.bytesPruned += plan.bytesFreed }
            if !plan.deletions.isEmpty {
                logger.info("pruned \(plan.deletions.count) set(s), \(ByteCount.describe(plan.bytesFreed))")
                audit("prune", sets: plan.deletions.map(\.id.rawValue), tiers: plan.deletions.map(\.tier), logger: logger)
            }
        }
        guard outcome.verified else { return }
        store.update { state in
            state.lastSuccess = DaemonState.Success(
                setID: manifest.id.rawValue, schedule: kind.rawValue, startedAt: started, finishedAt: finished,
                bytesByComponent: Dictionary(manifest.artifacts.map { ($0.component.rawValue, $0.storedBytes) }, uniquingKeysWith: +),
                tiers: manifest.copies?.map(\.tier) ?? ["local"])
        }
        if outcome.pruned != nil { logger.info("run finished: backed up, verified, pruned") }
    }

    public func runDeepVerify() {
        var logger = self.logger
        logger[metadataKey: "run"] = "\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        logger[metadataKey: "schedule"] = "verify"
        do {
            let (tier, entry) = try TieredCatalog(tiers: try Tiers(settings), console: console(logger)).resolve(nil, from: nil)
            let uri = entry.manifest.artifact(.mongo) != nil ? (settings.mongo.verifyURI ?? settings.mongo.uri) : nil
            logger.info("deep verification of \(entry.id) in \(tier.name)\(uri == nil ? "" : " with a test restore")")
            let report = try Verifier(tier: tier, console: console(logger), settings: settings).verify(entry.manifest, deepMongoURI: uri)
            audit("verify", sets: [entry.id.rawValue], tiers: [tier.name], components: entry.manifest.artifacts.map(\.component.rawValue),
                  failure: report.failed ? "failed deep verification" : nil, logger: logger)
            if report.state != .notChecked { record(verification: report.passed) }
            if report.passed {
                logger.info("deep verification of \(entry.id) passed")
            } else if report.state == .notChecked {
                // The check's fault, not the set's: said, not alerted as a failed set.
                logger.warning("deep verification of \(entry.id) incomplete, nothing found wrong; not checked: \(report.unchecked.joined(separator: "; "))")
            } else {
                fail(.verify, stage: "verify", LifeboatError.integrity("set \(entry.id) failed deep verification: \(report.problems.joined(separator: "; "))"),
                     logger: logger, alert: .verifyFailed, set: entry.id.rawValue)
            }
        } catch {
            fail(.verify, stage: "verify", LifeboatError.wrap(error, doing: "deep verification"), logger: logger, alert: .verifyFailed)
        }
    }

    /// DRILL_SCHEDULE: the disaster-recovery drill; its report is stored
    /// beside the rebuild reports, a failure alerts.
    public func runDrill() {
        var logger = self.logger
        logger[metadataKey: "run"] = "\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        logger[metadataKey: "schedule"] = "drill"
        logger.info("disaster-recovery drill started")
        do {
            let report = try DrillJob(settings: settings, console: console(logger)).run()
            audit("drill", sets: report.setID.map { [$0] } ?? [], tiers: report.tier.map { [$0] } ?? [], logger: logger)
            store.update { $0.lastDrill = DaemonState.Drill(at: report.startedAt, passed: true, rtoSeconds: report.rtoSeconds, setID: report.setID) }
            logger.info("drill passed: \(report.setID ?? "?") rebuilt in \(StatusReport.duration(report.rtoSeconds ?? 0))")
        } catch let failure as RebuildJob.Failure {
            audit("drill", sets: failure.report.setID.map { [$0] } ?? [], tiers: failure.report.tier.map { [$0] } ?? [], failure: failure.error.message, logger: logger)
            store.update { $0.lastDrill = DaemonState.Drill(at: failure.report.startedAt, passed: false, rtoSeconds: nil, setID: failure.report.setID) }
            fail(.drill, stage: "drill", failure.error, logger: logger, alert: .drillFailed, set: failure.report.setID)
        } catch {
            fail(.drill, stage: "drill", LifeboatError.wrap(error, doing: "drill"), logger: logger, alert: .drillFailed)
        }
    }

    /// The service's own reads and deletions go into the audit trail as a
    /// one-shot command's do (the command line is the service's).
    private func audit(_ operation: String, sets: [String], tiers: [String], components: [String] = [], failure: String? = nil, logger: Logger) {
        var unique: [String] = []
        for tier in tiers where !unique.contains(tier) { unique.append(tier) }
        let record = AuditRecord(operation: operation, sets: sets, tiers: unique, components: components, command: ["lifeboat", "serve"],
                                 exitStatus: failure == nil ? 0 : 1, message: failure, at: now())
        for problem in AuditTrail(settings: settings).append(record) { logger.warning("\(problem)") }
    }

    private func record(verification passed: Bool) {
        let at = now()
        store.update { state in
            state.verificationsByResult[passed ? "passed" : "failed", default: 0] += 1
            state.lastVerification = at
            state.lastVerificationPassed = passed
        }
    }

    private func fail(_ kind: Schedule.Kind, stage: String, _ error: LifeboatError, logger: Logger, alert: Alert.Kind = .backupFailed, set: String? = nil) {
        logger.error("\(stage) failed: \(error.message)\(error.hint.map { " (hint: \($0))" } ?? "")")
        let at = now()
        store.update { state in
            state.failuresByStage[stage, default: 0] += 1
            state.lastFailure = DaemonState.Failure(schedule: kind.rawValue, stage: stage, at: at, message: error.message)
        }
        alerts.send(Alert(type: alert, component: stage, message: error.message,
                          details: ["schedule": kind.rawValue, "hint": error.hint ?? "", "run": "\(logger[metadataKey: "run"] ?? "")"], at: at,
                          project: project, set: set))
    }

    /// OPLOG_STREAM: a tail on the oplog from the newest set's end; every
    /// OPLOG_SLICE_SECONDS (start to start) what it read becomes a slice (a
    /// MongoDB-only incremental set, copied to the tiers like any set). A
    /// restart resumes from the newest set: no gap, no duplicate; a seal due
    /// while a backup holds the lock waits for the next one.
    private func oplogCapture() {
        var tagged = self.logger
        tagged[metadataKey: "schedule"] = "oplog"
        let logger = tagged
        let quiet = Console(info: { _ in }, warn: { logger.warning("\($0)") })
        let slicer = OplogSlicer(settings: settings, console: quiet)
        let interval = Double(settings.daemon.oplogSliceSeconds)
        var nextSeal = Date().addingTimeInterval(interval)
        while !isStopping {
            let sealNow = Date() >= nextSeal
            if sealNow {
                // Start to start: a slow seal does not push the next one back.
                nextSeal = max(nextSeal.addingTimeInterval(interval), Date().addingTimeInterval(1))
            }
            do {
                if let manifest = try slicer.step(until: min(nextSeal, Date().addingTimeInterval(1)), seal: sealNow) {
                    logger.info("oplog slice \(manifest.id): \(manifest.oplogWindowDescription ?? "no oplog")")
                }
            } catch let error as LifeboatError where error.status == .busy {
                logger.info("oplog slice deferred: a backup is running (the next seal takes what was read)")
            } catch let failure as BackupJob.CopyFailure {
                fail(.incremental, stage: "copy", failure.error, logger: logger)
            } catch {
                fail(.incremental, stage: "backup", LifeboatError.wrap(error, doing: "oplog capture"), logger: logger)
                condition.lock()
                if !stopping { _ = condition.wait(until: Date().addingTimeInterval(1)) }
                condition.unlock()
            }
        }
    }

    /// `doctor` at start, then on DOCTOR_SCHEDULE: every line that is not
    /// OK is logged, a FAIL alerts DOCTOR_FAILED, the counts go to /metrics
    /// and the failures to /healthz's reason. Its own thread: it never
    /// delays a backup, and a backup never delays it.
    private func doctorLoop(_ cron: CronExpression) {
        var next = now()
        while !isStopping {
            guard wait(until: next) else { return }
            runDoctor()
            guard let later = cron.nextRun(after: now(), in: settings.timeZone) else { return }
            next = later
        }
    }

    public func runDoctor() {
        let report = Doctor(settings: settings, extra: [{ AlertCheck.findings($0, sendTest: false) }]).run(now: now())
        for finding in report.findings where finding.status != .ok {
            let line = "doctor \(finding.status.rawValue) \(finding.area) \(finding.check): \(finding.found)" + (finding.fix.map { " (fix: \($0))" } ?? "")
            if finding.status == .fail { logger.error("\(line)") } else { logger.warning("\(line)") }
        }
        logger.info("\(report.summary)")
        let failures = report.failures.map { "\($0.area) \($0.check): \($0.found)" }
        store.update { state in state.lastDoctor = DaemonState.DoctorRun(at: report.generatedAt, counts: report.counts, failures: failures) }
        if !failures.isEmpty {
            alerts.send(Alert(type: .doctorFailed, severity: "warning", component: "doctor",
                              message: "\(failures.count) check(s) failed: " + failures.joined(separator: "; "),
                              details: ["failures": String(failures.count), "summary": report.summary], at: now(), project: project))
        }
    }

    /// Every minute: a backup overdue by BACKUP_MAX_AGE raises BACKUP_OVERDUE.
    private func overdueWatch() {
        while !isStopping {
            // The local tier's sets count too (a one-shot backup between runs).
            let local = (try? TieredCatalog(tiers: Tiers(settings), console: .silent).list(only: ["local"]).rows) ?? []
            let report = StatusReport(generatedAt: now(), state: store.current, rows: local, tierLocations: [], tierProblems: [],
                                      nextRuns: [], maxAge: settings.daemon.maxAge, startedAt: startedAt)
            let health = report.health
            let newest = max(report.state.lastSuccess?.finishedAt ?? .distantPast, report.newestUsableSet?.manifest.finishedAt ?? .distantPast)
            if !health.healthy && report.state.lastFailure.map({ $0.at < newest }) ?? true {
                alerts.send(Alert(type: .backupOverdue, severity: "warning", component: "backup", message: health.reason, at: now(),
                                  project: project, set: report.newestUsableSet?.id.rawValue))
            }
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(60)) }
            condition.unlock()
        }
    }
}
