import LifeboatConfiguration
import Foundation
import RawBSON

/// `lifeboat rebuild`: the guide's "complete system disaster" steps 3 to 8
/// as one command. Finds the newest verified set (in S3 or locally),
/// downloads and checks it, optionally puts the config files back, starts
/// the data services and waits until they answer, restores Redis, MongoDB
/// and the uploads, starts the rest of the stack in dependency order,
/// checks the application and the data, and reports each step's time, the
/// recovery point and the recovery time.
///
/// Every step can be run again: a rebuild interrupted anywhere and started
/// again continues from a state file in BACKUP_DIR (the same set, the
/// steps already done skipped, the interrupted one redone). A stack that
/// already holds data is refused unless --force, except when that data is
/// this rebuild's own work.
public struct RebuildJob: Sendable {
    public struct Options: Sendable {
        /// A set id; nil: the newest complete set, verified ones first.
        public var set: String?
        /// Point in time for MongoDB (the newest full set before it, the chain's oplog up to it).
        public var toTime: BSONTimestamp?
        /// The tier to take the set from (default: wherever it is, local first).
        public var from: String?
        public var restoreConfig = false
        public var force = false
        public var dryRun = false
        /// "rebuild" or "drill": names the state file and the report.
        public var purpose = "rebuild"
        /// Store the report under BACKUP_DIR/rebuild-reports (a drill stores its own after the teardown).
        public var storesReport = true

        public init(set: String? = nil, toTime: BSONTimestamp? = nil, from: String? = nil, restoreConfig: Bool = false,
                    force: Bool = false, dryRun: Bool = false) {
            self.set = set
            self.toTime = toTime
            self.from = from
            self.restoreConfig = restoreConfig
            self.force = force
            self.dryRun = dryRun
        }
    }

    /// A rebuild that stopped on an error, with the report saying where.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let error: LifeboatError
        public let report: RebuildReport
        public var description: String { error.description }
    }

    let settings: Settings
    let console: Console

    public init(settings: Settings, console: Console = .standardError) {
        self.settings = settings
        self.console = console
    }

    var reportDirectory: String { settings.backupDirectory + "/rebuild-reports" }

    public func run(_ options: Options) throws -> RebuildReport {
        let run = RebuildRun(settings: settings, console: console, options: options)
        do {
            try run.execute()
        } catch {
            let failure = LifeboatError.wrap(error, doing: options.purpose)
            run.fail(failure)
            if !options.dryRun && options.storesReport { run.store(in: reportDirectory) }
            throw Failure(error: failure, report: run.report)
        }
        if !options.dryRun && options.storesReport { run.store(in: reportDirectory) }
        return run.report
    }
}
