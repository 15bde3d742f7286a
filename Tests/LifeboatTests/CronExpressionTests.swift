import Foundation
import Scheduling
import Testing

@Suite struct CronExpressionTests {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func parsesRangesListsStepsAndNames() throws {
        let cron = try CronExpression("*/15 1-3,22 * JAN-MAR,dec mon-fri")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == [1, 2, 3, 22])
        #expect(cron.months == [1, 2, 3, 12])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("5/20 * * * *").minutes == [5, 25, 45])
        #expect(try CronExpression("@daily") == CronExpression("@daily"))
        #expect(try CronExpression("@hourly").minutes == [0])
    }

    @Test(arguments: [
        ("0 2 * *", "expected 5 fields"),
        ("60 * * * *", "minute field '60': 60 is out of range"),
        ("0 24 * * *", "hour field"),
        ("0 0 32 * *", "day-of-month field"),
        ("0 0 * 13 *", "month field"),
        ("0 0 * * 8", "day-of-week field"),
        ("*/0 * * * *", "step '0' must be a positive number"),
        ("5-1 * * * *", "runs backwards"),
        ("0 0 * FOO *", "'FOO' is neither a number nor a known name"),
        ("0 0 30 2 *", "never occurs"),
        ("0 0 1,,2 * *", "empty list item"),
    ])
    func rejectsInvalidExpressions(text: String, fragment: String) {
        do {
            _ = try CronExpression(text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect(String(describing: error).contains(fragment), "\(error)")
        }
    }

    @Test func nextRunsDaily() throws {
        let cron = try CronExpression("0 2 * * *")
        let runs = cron.nextRuns(after: date("2026-01-22T02:00:00Z"), count: 3, in: utc)
        #expect(runs == [date("2026-01-23T02:00:00Z"), date("2026-01-24T02:00:00Z"), date("2026-01-25T02:00:00Z")])
    }

    @Test func nextRunWeeklyAndMonthEnds() throws {
        #expect(try CronExpression("0 1 * * SUN").nextRun(after: date("2026-01-22T00:00:00Z"), in: utc) == date("2026-01-25T01:00:00Z"))
        #expect(try CronExpression("0 0 31 * *").nextRun(after: date("2026-02-01T00:00:00Z"), in: utc) == date("2026-03-31T00:00:00Z"))
        #expect(try CronExpression("0 0 29 2 *").nextRun(after: date("2026-03-01T00:00:00Z"), in: utc) == date("2028-02-29T00:00:00Z"))
    }

    @Test func dayOfMonthOrDayOfWeek() throws {
        // Both restricted: either matches (the 1st, or a Monday).
        let cron = try CronExpression("0 0 1 * MON")
        let runs = cron.nextRuns(after: date("2026-01-28T00:00:00Z"), count: 3, in: utc)
        #expect(runs == [date("2026-02-01T00:00:00Z"), date("2026-02-02T00:00:00Z"), date("2026-02-09T00:00:00Z")])
    }

    @Test func nextRunInNamedZone() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let run = try CronExpression("0 2 * * *").nextRun(after: date("2026-07-01T12:00:00Z"), in: berlin)
        #expect(run == date("2026-07-02T00:00:00Z"))
    }
}

/// Daylight saving in a named zone: no run twice, none lost; a year of
/// hourly runs without drift.
@Suite struct CronDaylightSavingTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static func utc(_ text: String) -> Date { try! Date(text, strategy: Date.ISO8601FormatStyle()) }

    @Test func aRunInTheSkippedHourHappensRightAfterIt() throws {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC).
        let cron = try CronExpression("30 2 * * *")
        let runs = cron.nextRuns(after: Self.utc("2026-03-27T12:00:00Z"), count: 3, in: Self.berlin)
        #expect(runs == [Self.utc("2026-03-28T01:30:00Z"), Self.utc("2026-03-29T01:00:00Z"), Self.utc("2026-03-30T00:30:00Z")])
    }

    @Test func aRunInTheRepeatedHourHappensOnce() throws {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 occurs at 00:30 and 01:30 UTC.
        let cron = try CronExpression("30 2 * * *")
        let runs = cron.nextRuns(after: Self.utc("2026-10-24T12:00:00Z"), count: 2, in: Self.berlin)
        #expect(runs == [Self.utc("2026-10-25T00:30:00Z"), Self.utc("2026-10-26T01:30:00Z")])
    }

    @Test func aYearOfHourlyRunsHasNoDriftNoDuplicateAndNoGap() throws {
        let cron = try CronExpression("0 * * * *")
        let start = Self.utc("2026-01-01T00:00:00Z")
        let runs = cron.nextRuns(after: start, count: 8_800, in: Self.berlin)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.berlin
        #expect(runs.allSatisfy { calendar.component(.minute, from: $0) == 0 && calendar.component(.second, from: $0) == 0 })
        let gaps = zip(runs, runs.dropFirst()).map { $1.timeIntervalSince($0) }
        #expect(gaps.allSatisfy { $0 == 3600 || $0 == 7200 }, "runs are an hour apart, two across the repeated hour")
        #expect(gaps.filter { $0 == 7200 }.count == 1, "once, at the autumn change of 2026")
        let inYear = runs.filter { $0 < Self.utc("2027-01-01T00:00:00Z") }
        // 8,759 whole UTC hours after midnight of New Year, less the repeated autumn hour.
        #expect(inYear.count == 8_758)
    }

    @Test func monthEndsAndLeapDays() throws {
        let leap = try CronExpression("0 3 29 2 *")
        #expect(leap.nextRun(after: Self.utc("2026-03-01T00:00:00Z"), in: TimeZone(identifier: "UTC")!) == Self.utc("2028-02-29T03:00:00Z"))
        let thirtyFirst = try CronExpression("0 0 31 * *")
        let runs = thirtyFirst.nextRuns(after: Self.utc("2026-01-01T00:00:00Z"), count: 3, in: TimeZone(identifier: "UTC")!)
        #expect(runs == [Self.utc("2026-01-31T00:00:00Z"), Self.utc("2026-03-31T00:00:00Z"), Self.utc("2026-05-31T00:00:00Z")])
    }
}
