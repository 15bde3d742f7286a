import Foundation

/// A standard five-field cron expression (minute hour day-of-month month
/// day-of-week) with ranges, lists, steps, month and day names, and the
/// usual `@daily`-style shorthands.
///
/// As in Vixie cron, when both day-of-month and day-of-week are restricted a
/// day matches if either does (`0 0 1 * MON` = the 1st and every Monday).
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let source: String
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday (7 is folded into 0).
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { source }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let expression: String
        public let problem: String
        public var description: String { "'\(expression)' is not a valid cron expression: \(problem)" }
    }

    private static let shorthands: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        source = trimmed
        let expanded = Self.shorthands[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(expression: trimmed, problem: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count); e.g. '0 2 * * *' for 02:00 daily")
        }
        func parse(_ index: Int, _ name: String, _ range: ClosedRange<Int>, _ names: [String], nameBase: Int) throws -> Set<Int> {
            do {
                return try Self.parseField(fields[index], range: range, names: names, nameBase: nameBase)
            } catch let problem as FieldProblem {
                throw ParseError(expression: trimmed, problem: "\(name) field '\(fields[index])': \(problem.text) (allowed \(range.lowerBound)-\(range.upperBound))")
            }
        }
        minutes = try parse(0, "minute", 0...59, [], nameBase: 0)
        hours = try parse(1, "hour", 0...23, [], nameBase: 0)
        daysOfMonth = try parse(2, "day-of-month", 1...31, [], nameBase: 1)
        months = try parse(3, "month", 1...12, Self.monthNames, nameBase: 1)
        daysOfWeek = Set(try parse(4, "day-of-week", 0...7, Self.dayNames, nameBase: 0).map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
        if dayOfMonthRestricted && !dayOfWeekRestricted,
           daysOfMonth.allSatisfy({ day in months.allSatisfy { Self.maxDay(ofMonth: $0) < day } }) {
            throw ParseError(expression: trimmed, problem: "day-of-month never occurs in the chosen months, so it would never run")
        }
    }

    private struct FieldProblem: Error { let text: String }

    private static func parseField(_ field: String, range: ClosedRange<Int>, names: [String], nameBase: Int) throws -> Set<Int> {
        var values = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            if part.isEmpty { throw FieldProblem(text: "empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw FieldProblem(text: "more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw FieldProblem(text: "step '\(pieces[1])' must be a positive number") }
                step = s
            }
            let base = String(pieces[0])
            var low: Int
            var high: Int
            if base == "*" {
                low = range.lowerBound
                high = range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(String(base[..<dash]), range: range, names: names, nameBase: nameBase)
                high = try value(String(base[base.index(after: dash)...]), range: range, names: names, nameBase: nameBase)
                guard low <= high else { throw FieldProblem(text: "range \(base) runs backwards") }
            } else {
                low = try value(base, range: range, names: names, nameBase: nameBase)
                high = pieces.count == 2 ? range.upperBound : low
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values
    }

    private static func value(_ text: String, range: ClosedRange<Int>, names: [String], nameBase: Int) throws -> Int {
        if let number = Int(text) {
            guard range.contains(number) else { throw FieldProblem(text: "\(number) is out of range") }
            return number
        }
        if let index = names.firstIndex(of: text.uppercased()) { return index + nameBase }
        throw FieldProblem(text: "'\(text)' is neither a number nor a known name")
    }

    private static func maxDay(ofMonth month: Int) -> Int {
        switch month {
        case 2: return 29
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    func matchesDay(dayOfMonth: Int, weekday: Int) -> Bool {
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return daysOfMonth.contains(dayOfMonth) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(dayOfMonth)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }

    /// The first minute strictly after `date` that matches, in `timeZone`'s
    /// wall-clock time; nil if none within eight years (cannot happen for a
    /// parsed expression, but a loop must be bounded).
    public func nextRun(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var candidate = calendar.dateInterval(of: .minute, for: date)!.start.addingTimeInterval(60)
        let limit = date.addingTimeInterval(8 * 366 * 86_400)
        while candidate < limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: candidate)
            // Daylight saving. Clocks going forward skip wall times: a run
            // scheduled in the gap happens at the first minute after it (as
            // Vixie cron does), so none is lost.
            let previous = calendar.dateComponents([.day, .hour, .minute], from: candidate.addingTimeInterval(-60))
            let wallMinute = c.hour! * 60 + c.minute!
            let previousWallMinute = previous.hour! * 60 + previous.minute!
            if previous.day == c.day, wallMinute - previousWallMinute > 1, months.contains(c.month!),
               matchesDay(dayOfMonth: c.day!, weekday: c.weekday! - 1),
               ((previousWallMinute + 1)..<wallMinute).contains(where: { hours.contains($0 / 60) && minutes.contains($0 % 60) }) {
                return candidate
            }
            if !months.contains(c.month!) {
                candidate = calendar.date(from: DateComponents(year: c.year, month: c.month! + 1, day: 1))!
                continue
            }
            if !matchesDay(dayOfMonth: c.day!, weekday: c.weekday! - 1) {
                candidate = calendar.startOfDay(for: calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate).addingTimeInterval(43_200))!)
                continue
            }
            if !hours.contains(c.hour!) {
                let hourStart = calendar.dateInterval(of: .hour, for: candidate)!.start
                candidate = hourStart.addingTimeInterval(3600)
                continue
            }
            if !minutes.contains(c.minute!) {
                candidate = candidate.addingTimeInterval(60)
                continue
            }
            // Clocks going back repeat wall times: only their first occurrence runs.
            let hourEarlier = calendar.dateComponents([.day, .hour, .minute], from: candidate.addingTimeInterval(-3600))
            if hourEarlier.day == c.day && hourEarlier.hour == c.hour && hourEarlier.minute == c.minute {
                candidate = candidate.addingTimeInterval(60)
                continue
            }
            return candidate
        }
        return nil
    }

    /// The next `count` run times after `date`.
    public func nextRuns(after date: Date, count: Int, in timeZone: TimeZone) -> [Date] {
        var runs: [Date] = []
        var cursor = date
        while runs.count < count, let next = nextRun(after: cursor, in: timeZone) {
            runs.append(next)
            cursor = next
        }
        return runs
    }
}
