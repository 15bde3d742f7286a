import Foundation
import LifeboatConfiguration
import Scheduling
@testable import LifeboatCore
@testable import MongoSource
import Testing

/// The oplog window against the incremental interval, for the oplog
/// states SecantusDB cannot be put in (it reports no size or cap): a full
/// oplog shorter than the interval, one filling towards a short window,
/// one with room, one that cannot be read.
@Suite struct DoctorOplogWindowTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    static func finding(span hours: Double, size: Int64?, cap: Int64?) -> DoctorFinding {
        let oplog = MongoHealth.Oplog(first: now.addingTimeInterval(-hours * 3600), last: now, sizeBytes: size, maxBytes: cap)
        return MongoCheck.oplogFinding(.success(oplog), context())
    }

    static func context() -> DoctorContext {
        DoctorContext(settings: Settings(backupDirectory: "/backup"), tiers: nil, newest: nil, environment: [:], now: now)
    }

    @Test func theWindowIsJudgedAgainstTheHourlyIncrementals() {
        let full = Self.finding(span: 0.5, size: 990, cap: 1000)
        #expect(full.status == .fail && full.found.contains("full: it spans 30 min") && full.fix?.contains("replSetResizeOplog") == true, "\(full)")
        let filling = Self.finding(span: 1, size: 500, cap: 1000)
        #expect(filling.status == .warn && filling.found.contains("about 2.0 h"), "\(filling)")
        let roomy = Self.finding(span: 2, size: 100, cap: 1000)
        #expect(roomy.status == .ok && roomy.found.contains("about 20.0 h"), "\(roomy)")
        let unknown = Self.finding(span: 2, size: nil, cap: nil)
        #expect(unknown.status == .notChecked && unknown.found.contains("collStats"), "\(unknown)")
        let denied = MongoCheck.oplogFinding(.failure(MongoSourceError("not authorized on local", kind: .server)), Self.context())
        #expect(denied.status == .fail && denied.fix?.contains("backup role") == true)
        let empty = MongoCheck.oplogFinding(.failure(MongoSourceError("the oplog (local.oplog.rs) is empty", kind: .unsupported)), Self.context())
        #expect(empty.status == .warn)
    }

    @Test func aDailyIncrementalNeedsADayOfOplog() throws {
        var settings = Settings(backupDirectory: "/backup")
        settings.daemon.incrementalSchedule = try .init("0 3 * * *")
        let context = DoctorContext(settings: settings, tiers: nil, newest: nil, environment: [:], now: Self.now)
        let oplog = MongoHealth.Oplog(first: Self.now.addingTimeInterval(-10 * 3600), last: Self.now, sizeBytes: 1000, maxBytes: 1000)
        let finding = MongoCheck.oplogFinding(.success(oplog), context)
        #expect(finding.status == .fail && finding.found.contains("every 24.0 h"), "\(finding)")
    }
}
