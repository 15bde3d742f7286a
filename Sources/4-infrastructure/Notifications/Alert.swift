import Foundation

/// An alert, as the guide's AlertService sends it, with a Slack-compatible
/// `text`; it names the host, the Compose project and the set, so a team
/// running several stacks knows which one it is about.
public struct Alert: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case backupFailed = "BACKUP_FAILED", backupOverdue = "BACKUP_OVERDUE"
        case verifyFailed = "VERIFY_FAILED", pruneFailed = "PRUNE_FAILED"
        case drillFailed = "DRILL_FAILED"
        case componentMissing = "COMPONENT_MISSING", sizeAnomaly = "BACKUP_SIZE_ANOMALY"
        /// A remote tier lacks sets taken for it for longer than BACKUP_MAX_AGE.
        case targetBehind = "TARGET_BEHIND"
        /// `doctor` found a FAIL (at the service's start or its daily run).
        case doctorFailed = "DOCTOR_FAILED"
        /// `lifeboat alert test`, `doctor --send-test-alert`.
        case test = "TEST"
    }
    public var type: Kind
    public var severity: String
    public var component: String
    public var message: String
    public var details: [String: String]
    public var timestamp: Date
    /// The machine (the container's hostname) and the Compose project.
    public var host: String
    public var project: String?
    /// The set the alert is about, when there is one.
    public var set: String?
    public var text: String

    public init(type: Kind, severity: String = "critical", component: String, message: String, details: [String: String] = [:],
                at date: Date, host: String = ProcessInfo.processInfo.hostName, project: String? = nil, set: String? = nil) {
        self.type = type
        self.severity = severity
        self.component = component
        self.message = message
        self.details = details
        self.timestamp = date
        self.host = host
        self.project = project
        self.set = set
        self.text = "[lifeboat] \(type.rawValue) on \(Self.place(host: host, project: project))\(set.map { ", set \($0)" } ?? "") (\(component)): \(message)"
    }

    /// `host (project app)`, or the host alone outside Compose.
    public static func place(host: String, project: String?) -> String {
        project.map { "\(host) (project \($0))" } ?? host
    }

    /// One line for an email's subject.
    public var subject: String {
        let line = "[lifeboat] \(type.rawValue) on \(Self.place(host: host, project: project)): \(message)"
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return line.count > 180 ? String(line.prefix(179)) + "…" : line
    }
}
