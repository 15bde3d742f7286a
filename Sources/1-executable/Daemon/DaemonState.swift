import Foundation

/// What the service remembers across runs and restarts (in
/// `BACKUP_DIR/.lifeboat-daemon.json`): when each schedule last ran, the
/// last success and failure, and the counters behind /metrics.
public struct DaemonState: Codable, Sendable, Equatable {
    public struct Success: Codable, Sendable, Equatable {
        public var setID: String
        public var schedule: String
        public var startedAt: Date
        public var finishedAt: Date
        /// Stored bytes per component.
        public var bytesByComponent: [String: Int64]
        public var tiers: [String]
        public var durationSeconds: Double { finishedAt.timeIntervalSince(startedAt) }
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var schedule: String
        public var stage: String
        public var at: Date
        public var message: String
    }

    /// The last disaster-recovery drill.
    public struct Drill: Codable, Sendable, Equatable {
        public var at: Date
        public var passed: Bool
        public var rtoSeconds: Double?
        public var setID: String?
    }

    /// The scheduled time of each schedule's last run (ran or attempted).
    public var lastScheduledRun: [String: Date] = [:]
    public var lastSuccess: Success?
    public var lastFailure: Failure?
    public var failuresByStage: [String: Int] = [:]
    public var verificationsByResult: [String: Int] = [:]
    public var lastVerification: Date?
    public var lastVerificationPassed: Bool?
    public var bytesPruned: Int64 = 0
    public var lastDrill: Drill?
    /// The service's last `doctor` run (at start, then DOCTOR_SCHEDULE).
    public var lastDoctor: DoctorRun?

    public struct DoctorRun: Codable, Sendable, Equatable {
        public var at: Date
        /// Findings per status (OK, WARN, FAIL, NOT CHECKED).
        public var counts: [String: Int]
        /// The FAIL lines, `area check: found`.
        public var failures: [String]
    }

    public init() {}

    /// Tolerant of missing keys: an older or hand-written state file still loads.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lastScheduledRun = try c.decodeIfPresent([String: Date].self, forKey: .lastScheduledRun) ?? [:]
        lastSuccess = try c.decodeIfPresent(Success.self, forKey: .lastSuccess)
        lastFailure = try c.decodeIfPresent(Failure.self, forKey: .lastFailure)
        failuresByStage = try c.decodeIfPresent([String: Int].self, forKey: .failuresByStage) ?? [:]
        verificationsByResult = try c.decodeIfPresent([String: Int].self, forKey: .verificationsByResult) ?? [:]
        lastVerification = try c.decodeIfPresent(Date.self, forKey: .lastVerification)
        lastVerificationPassed = try c.decodeIfPresent(Bool.self, forKey: .lastVerificationPassed)
        bytesPruned = try c.decodeIfPresent(Int64.self, forKey: .bytesPruned) ?? 0
        lastDrill = try c.decodeIfPresent(Drill.self, forKey: .lastDrill)
        lastDoctor = try c.decodeIfPresent(DoctorRun.self, forKey: .lastDoctor)
    }
}

/// The state, shared by the run loop and the HTTP threads, saved after each change.
public final class DaemonStateStore: @unchecked Sendable {
    // @unchecked Sendable: `state` is read and written only under `lock`.
    private let lock = NSLock()
    private var state: DaemonState
    private let path: String?

    public init(path: String?) {
        self.path = path
        if let path, let data = FileManager.default.contents(atPath: path),
           let loaded = try? Self.decoder.decode(DaemonState.self, from: data) {
            state = loaded
        } else {
            state = DaemonState()
        }
    }

    public var current: DaemonState {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    public func update(_ change: (inout DaemonState) -> Void) {
        lock.lock()
        change(&state)
        let snapshot = state
        lock.unlock()
        save(snapshot)
    }

    private func save(_ snapshot: DaemonState) {
        guard let path, let data = try? Self.encoder.encode(snapshot) else { return }
        let temporary = path + ".tmp"
        if FileManager.default.createFile(atPath: temporary, contents: data) {
            _ = rename(temporary, path)
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
