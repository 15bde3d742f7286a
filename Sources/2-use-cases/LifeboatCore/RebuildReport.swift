import Foundation

/// What a rebuild (or drill) did: each step with its duration, the data's
/// point in time, the recovery time, and what to do about anything that
/// failed. Printed at the end and stored as JSON and text under
/// BACKUP_DIR/rebuild-reports.
public struct RebuildReport: Codable, Sendable {
    public struct Step: Codable, Sendable {
        public enum Outcome: String, Codable, Sendable {
            case done, skipped, failed, planned
            /// Finished by an earlier, interrupted run of the same rebuild.
            case alreadyDone = "already-done"
        }
        public var name: String
        public var outcome: Outcome
        public var seconds: Double
        public var detail: String
    }

    public var purpose: String
    public var setID: String?
    public var tier: String?
    /// The moment the restored data reflects (the set's consistent point,
    /// or the point-in-time target).
    public var dataPointInTime: Date?
    public var startedAt: Date
    public var finishedAt: Date?
    public var dryRun: Bool
    public var succeeded = false
    public var steps: [Step] = []
    public var checks: [String] = []
    public var problems: [String] = []
    public var nextSteps: [String] = []
    /// Whether this run continued an interrupted one.
    public var resumed = false
    /// The application commit the set recorded with the data (component
    /// `code`): which code to deploy with it.
    public var applicationCode: String?

    /// Recovery time achieved: the whole rebuild, start to healthy.
    public var rtoSeconds: Double?
    /// Recovery point achieved: how old the data was when the rebuild began.
    public var rpoSeconds: Double?

    /// Ends the report: the finish time and the figures derived from it.
    public mutating func finish(at date: Date = Date()) {
        finishedAt = date
        rtoSeconds = date.timeIntervalSince(startedAt)
        rpoSeconds = dataPointInTime.map { startedAt.timeIntervalSince($0) }
    }

    public func text() -> String {
        var lines: [String] = []
        let title = purpose == "drill" ? "Disaster-recovery drill" : "Rebuild"
        lines.append("\(title) \(dryRun ? "plan" : succeeded ? "succeeded" : "FAILED")\(resumed ? " (resumed an interrupted run)" : "")")
        if let setID { lines.append("  set:            \(setID)\(tier.map { " (from \($0))" } ?? "")") }
        if let dataPointInTime { lines.append("  data as of:     \(Self.show(dataPointInTime))") }
        if let applicationCode { lines.append("  application:    \(applicationCode)") }
        lines.append("  started:        \(Self.show(startedAt))")
        lines.append("")
        let width = max(12, steps.map(\.name.count).max() ?? 0)
        for step in steps {
            let name = step.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let outcome = step.outcome.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
            let seconds = step.outcome == .planned ? "      " : String(format: "%6.1fs", step.seconds)
            lines.append("  \(name)  \(outcome) \(seconds)  \(step.detail)")
        }
        if !checks.isEmpty {
            lines.append("")
            lines += checks.map { "  check: \($0)" }
        }
        if !dryRun {
            lines.append("")
            if let rtoSeconds { lines.append("  RTO achieved:   \(Self.duration(rtoSeconds)) (objective: 4 h)") }
            if let rpoSeconds { lines.append("  RPO achieved:   \(Self.duration(rpoSeconds)) (the data's age when the rebuild began; objective: 1 h)") }
        }
        if !problems.isEmpty {
            lines.append("")
            lines += problems.map { "  problem: \($0)" }
        }
        if !nextSteps.isEmpty {
            lines.append("")
            lines += nextSteps.map { "  next: \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func show(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }

    static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        if seconds < 7200 { return String(format: "%.1f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }

    /// Writes the report as `<purpose>-<time>.json` and `.txt` under
    /// `directory`; returns the JSON path.
    @discardableResult
    public func store(in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: startedAt)
        let base = "\(directory)/\(purpose)-\(stamp)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: URL(fileURLWithPath: base + ".json"), options: .atomic)
        try Data((text() + "\n").utf8).write(to: URL(fileURLWithPath: base + ".txt"), options: .atomic)
        return base + ".json"
    }
}
