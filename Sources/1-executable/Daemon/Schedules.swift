import LifeboatConfiguration
import Foundation
import Scheduling

/// One thing the service does on a cron schedule.
public struct Schedule: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The daily full backup to the default tiers (BACKUP_SCHEDULE).
        case backup
        /// The weekly archive: a backup to every tier, Glacier included.
        case archive
        /// The monthly snapshot, labelled so and kept by BACKUP_KEEP_MONTHLY.
        case snapshot
        /// The deep verification of the newest set (a test restore).
        case verify
        /// The hourly incremental (MongoDB's oplog since the last set), when MONGO_URI is set.
        case incremental
        /// The disaster-recovery drill (DRILL_SCHEDULE, off unless set).
        case drill
    }

    public let kind: Kind
    public let variable: String
    public let cron: CronExpression

    public var isBackup: Bool { kind != .verify && kind != .drill }
    /// The cron expression as written.
    public var expression: String { cron.source }

    public func nextRuns(_ count: Int, after date: Date, in zone: TimeZone) -> [Date] {
        cron.nextRuns(after: date, count: count, in: zone)
    }

    /// The schedules of the configuration, in the order they run when due together.
    public static func all(_ settings: Settings) -> [Schedule] {
        [
            Schedule(kind: .archive, variable: "BACKUP_ARCHIVE_SCHEDULE", cron: settings.daemon.archiveSchedule),
            Schedule(kind: .snapshot, variable: "BACKUP_SNAPSHOT_SCHEDULE", cron: settings.daemon.snapshotSchedule),
            Schedule(kind: .backup, variable: "BACKUP_SCHEDULE", cron: settings.schedule),
            Schedule(kind: .verify, variable: "VERIFY_SCHEDULE", cron: settings.daemon.verifySchedule),
        ] + (settings.mongo.uri == nil ? [] : [
            Schedule(kind: .incremental, variable: "BACKUP_INCREMENTAL_SCHEDULE", cron: settings.daemon.incrementalSchedule),
        ]) + (settings.rebuild.drillSchedule.map { [Schedule(kind: .drill, variable: "DRILL_SCHEDULE", cron: $0)] } ?? [])
    }

    /// The latest scheduled time at or before `date` (within 40 days).
    public func previousRun(atOrBefore date: Date, in zone: TimeZone) -> Date? {
        var cursor = date.addingTimeInterval(-40 * 86_400)
        var last: Date?
        while let next = cron.nextRun(after: cursor, in: zone), next <= date {
            last = next
            cursor = next
        }
        return last
    }
}

/// Picks what is due next, every schedule due at that minute, in the order
/// of `Schedule.all` (the daemon runs the first backup among them and
/// counts it for the others: the archive covers the daily backup).
public struct ScheduleSet: Sendable {
    public let schedules: [Schedule]
    public let timeZone: TimeZone

    public init(_ schedules: [Schedule], timeZone: TimeZone) {
        self.schedules = schedules
        self.timeZone = timeZone
    }

    public func next(after date: Date) -> (time: Date, due: [Schedule])? {
        let times = schedules.compactMap { schedule in schedule.cron.nextRun(after: date, in: timeZone).map { ($0, schedule) } }
        guard let earliest = times.map(\.0).min() else { return nil }
        return (earliest, times.filter { $0.0 == earliest }.map(\.1))
    }
}
