import Foundation
import Scheduling

/// What `lifeboat serve` runs and how it reports.
public struct DaemonSettings: Sendable, Equatable {
    /// Weekly archive to Glacier (and the other tiers).
    public var archiveSchedule: CronExpression
    /// Monthly snapshot (kept by BACKUP_KEEP_MONTHLY).
    public var snapshotSchedule: CronExpression
    /// Deep verification (a test restore of the newest set).
    public var verifySchedule: CronExpression
    /// Hourly incrementals, used once incremental sets exist.
    public var incrementalSchedule: CronExpression
    /// Run a backup missed while the service was down, once, at start.
    public var catchUp: Bool
    public var shutdownGraceSeconds: Int
    /// `host:port` of the health, metrics and report server; nil when `off`.
    public var httpHost: String?
    public var httpPort: Int
    /// /healthz fails when the last scheduled backup is older than this.
    public var maxAge: TimeInterval
    /// The ways to be told: webhook, email, heartbeat.
    public var alerts: AlertSettings
    /// Continuous oplog capture: an oplog slice (a MongoDB-only incremental)
    /// sealed every `oplogSliceSeconds`, so the recovery point is that close.
    public var oplogStream: Bool
    public var oplogSliceSeconds: Int
    public enum LogFormat: String, Sendable { case text, json }
    public var logFormat: LogFormat
    /// DOCTOR_SCHEDULE: `doctor` at the service's start and on this cron (nil: off).
    public var doctorSchedule: CronExpression?

    static func load(_ values: inout ConfigurationValues) -> DaemonSettings {
        let address = values.listenAddress("LIFEBOAT_HTTP_ADDR")
        return DaemonSettings(archiveSchedule: values.cron("BACKUP_ARCHIVE_SCHEDULE")!, snapshotSchedule: values.cron("BACKUP_SNAPSHOT_SCHEDULE")!,
                              verifySchedule: values.cron("VERIFY_SCHEDULE")!, incrementalSchedule: values.cron("BACKUP_INCREMENTAL_SCHEDULE")!,
                              catchUp: values.flag("BACKUP_CATCH_UP"), shutdownGraceSeconds: values.number("SHUTDOWN_GRACE_SECONDS")!,
                              httpHost: address?.host, httpPort: address?.port ?? 0,
                              maxAge: values.duration("BACKUP_MAX_AGE")!, alerts: .load(&values),
                              oplogStream: values.flag("OPLOG_STREAM"), oplogSliceSeconds: values.number("OPLOG_SLICE_SECONDS")!,
                              logFormat: values.choice("LOG_FORMAT", as: LogFormat.self)!, doctorSchedule: values.cron("DOCTOR_SCHEDULE"))
    }
}
