import LifeboatConfiguration
import Foundation
import LifeboatCore
import Testing

/// Retention over simulated months, with an injected clock: every day a
/// backup, then a prune, as the daemon will do.
@Suite struct RetentionTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z, a Thursday
    static let day: TimeInterval = 86_400

    /// Runs `days` days: sets are added by `schedule(dayIndex)`, then the
    /// tier is pruned at 02:30 with `policy`. Returns the dates kept.
    static func simulate(days: Int, policy: RetentionPolicy, verifiedDay: Int? = nil,
                         schedule: (Int) -> Date?) -> [Date] {
        var held: [RetentionPlanner.Candidate] = []
        let planner = RetentionPlanner(policy: policy, timeZone: utc)
        for index in 0..<days {
            if let time = schedule(index) {
                let id = BackupSetID.make(at: time, kind: .full)
                held.append(.init(id: id, time: time, verified: index == verifiedDay))
            }
            let now = start.addingTimeInterval(Double(index) * day + 2.5 * 3600)
            let kept = planner.reasons(for: held, now: now)
            held.removeAll { kept[$0.id] == nil }
        }
        return held.map(\.time).sorted()
    }

    static func daily(_ index: Int) -> Date? { start.addingTimeInterval(Double(index) * day + 2 * 3600) }
    static func weeklyOnSunday(_ index: Int) -> Date? {
        let date = start.addingTimeInterval(Double(index) * day + 3600)
        return Calendar(identifier: .gregorian).dateComponents(in: utc, from: date).weekday == 1 ? date : nil
    }

    static func days(_ dates: [Date]) -> [String] {
        dates.map { $0.formatted(Date.ISO8601FormatStyle().year().month().day()) }
    }

    @Test func after120DaysEachTierHoldsWhatItsPolicySays() {
        // Local: 7 days, plus the one set that ever verified (day 50).
        let local = Self.simulate(days: 120, policy: RetentionPolicy(days: 7), verifiedDay: 50, schedule: Self.daily)
        #expect(Self.days(local) == ["2026-02-20"] + (24...30).map { "2026-04-\($0)" })
        // S3: 30 days of dailies.
        let s3 = Self.simulate(days: 120, policy: RetentionPolicy(days: 30), schedule: Self.daily)
        #expect(s3.count == 30)
        #expect(Self.days(s3).first == "2026-04-01")
        // Glacier: 90 days of weekly archives (Sundays).
        let glacier = Self.simulate(days: 120, policy: RetentionPolicy(days: 90), schedule: Self.weeklyOnSunday)
        #expect(Self.days(glacier) == ["2026-02-01", "2026-02-08", "2026-02-15", "2026-02-22", "2026-03-01", "2026-03-08", "2026-03-15",
                                       "2026-03-22", "2026-03-29", "2026-04-05", "2026-04-12", "2026-04-19", "2026-04-26"])
    }

    @Test func keepCountsKeepMoreThanTheDaysAlone() {
        // keep-monthly 12 in S3: the last set of January, February and March stay too.
        let s3 = Self.simulate(days: 120, policy: RetentionPolicy(days: 30, keepMonthly: 12), schedule: Self.daily)
        #expect(Self.days(s3).prefix(4) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-01"])
        #expect(s3.count == 33)
        // keep-weekly 4 locally: the last set of the two ISO weeks before the 7 days.
        let local = Self.simulate(days: 120, policy: RetentionPolicy(days: 7, keepWeekly: 4), schedule: Self.daily)
        #expect(Self.days(local).prefix(3) == ["2026-04-12", "2026-04-19", "2026-04-24"])
        #expect(local.count == 9)
        // keep-last 3 with 1 day: three sets even after a month without backups.
        let sparse = Self.simulate(days: 60, policy: RetentionPolicy(days: 1, keepLast: 3)) { $0 < 20 ? Self.daily($0) : nil }
        #expect(Self.days(sparse) == ["2026-01-18", "2026-01-19", "2026-01-20"])
        // keep-daily 5: one per day, the newest of each.
        let twiceADay = RetentionPlanner(policy: RetentionPolicy(days: 1, keepDaily: 5), timeZone: Self.utc)
        var candidates: [RetentionPlanner.Candidate] = []
        for index in 0..<10 {
            for hour in [2.0, 14.0] {
                let time = Self.start.addingTimeInterval(Double(index) * Self.day + hour * 3600)
                candidates.append(.init(id: BackupSetID.make(at: time, kind: .full), time: time, verified: false))
            }
        }
        let kept = twiceADay.reasons(for: candidates, now: Self.start.addingTimeInterval(10 * Self.day))
        #expect(kept.count == 6, "5 days' newest, plus the day-9 02:00 set within 1 day")
    }

    @Test func aKeptSetKeepsItsWholeChain() {
        let planner = RetentionPlanner(policy: RetentionPolicy(days: 7), timeZone: Self.utc)
        let fullTime = Self.start
        let full = BackupSetID.make(at: fullTime, kind: .full)
        var candidates = [RetentionPlanner.Candidate(id: full, time: fullTime, verified: false)]
        var parent = full
        for hour in 1...20 {
            let time = Self.start.addingTimeInterval(Double(hour) * 86_400 * 0.5)
            let id = BackupSetID.make(at: time, kind: .full)
            candidates.append(.init(id: id, time: time, verified: false, parent: parent))
            parent = id
        }
        let kept = planner.reasons(for: candidates, now: Self.start.addingTimeInterval(10 * Self.day))
        #expect(kept.count == candidates.count, "the newest incremental needs every link back to its full set")
        #expect(kept[full]?.contains { $0.hasPrefix("parent of") } == true)
    }
}
