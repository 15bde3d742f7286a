import Foundation

/// One line of `lifeboat doctor`: what was checked, what was found, and how
/// to fix it when it is not OK.
public struct DoctorFinding: Codable, Sendable, Equatable {
    /// Ordered by how much it asks of the operator. A check that could not
    /// run is `notChecked`, never a failure.
    public enum Status: String, Codable, Sendable, Comparable, CaseIterable {
        case ok = "OK", notChecked = "NOT CHECKED", warn = "WARN", fail = "FAIL"
        var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    /// mongo, redis, files, config, local, s3, glacier, docker, encryption, alerts.
    public var area: String
    /// A short name of the check (`reachable`, `roles`, `oplog window`).
    public var check: String
    public var status: Status
    public var found: String
    public var fix: String?

    public init(_ area: String, _ check: String, _ status: Status, _ found: String, fix: String? = nil) {
        self.area = area
        self.check = check
        self.status = status
        self.found = found
        self.fix = status == .ok ? nil : fix
    }
}
