import Foundation

/// Every finding of one `doctor` run, and what they add up to. The JSON
/// form is documented in docs/json.md (schema `lifeboat.doctor/1`, set by
/// the command's output).
public struct DoctorReport: Codable, Sendable {
    public var generatedAt: Date
    public var findings: [DoctorFinding]
    public var counts: [String: Int]
    /// 0 all OK, 1 warnings, 3 failures (`not checked` alone is 0: it is said, not failed).
    public var exitCode: Int32

    public init(generatedAt: Date, findings: [DoctorFinding]) {
        self.generatedAt = generatedAt
        self.findings = findings
        counts = Dictionary(uniqueKeysWithValues: DoctorFinding.Status.allCases.map { status in
            (status.rawValue, findings.filter { $0.status == status }.count)
        })
        let worst = findings.map(\.status).max() ?? .ok
        exitCode = worst == .fail ? 3 : worst == .warn ? 1 : 0
    }

    public var failures: [DoctorFinding] { findings.filter { $0.status == .fail } }

    /// The terminal form: one line per check, its fix below it, a summary last.
    public func text() -> String {
        let areaWidth = max(6, findings.map(\.area.count).max() ?? 0)
        let checkWidth = max(10, findings.map(\.check.count).max() ?? 0)
        var lines: [String] = []
        for finding in findings {
            let status = finding.status == .notChecked ? "----" : finding.status.rawValue
            lines.append(status.padding(toLength: 5, withPad: " ", startingAt: 0) + " "
                         + finding.area.padding(toLength: areaWidth, withPad: " ", startingAt: 0) + "  "
                         + finding.check.padding(toLength: checkWidth, withPad: " ", startingAt: 0) + "  " + finding.found)
            if let fix = finding.fix {
                lines.append(String(repeating: " ", count: 6 + areaWidth + 2 + checkWidth + 2) + "fix: " + fix)
            }
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// The last line: the counts and what they mean for the next backup and restore.
    public var summary: String {
        let count = { (status: DoctorFinding.Status) in counts[status.rawValue] ?? 0 }
        let tally = "\(count(.ok)) OK, \(count(.warn)) WARN, \(count(.fail)) FAIL, \(count(.notChecked)) not checked"
        switch exitCode {
        case 3: return "doctor: \(tally): the next backup or restore will not do all it should (FAIL lines above)"
        case 1: return "doctor: \(tally): backups and restores can run; the WARN lines need attention"
        default: return "doctor: \(tally): everything checked is ready for the next backup and restore"
        }
    }
}
