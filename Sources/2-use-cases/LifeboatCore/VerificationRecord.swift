import Foundation

/// `verification.json`, beside the manifest: the outcome of the last
/// `verify` of the set. It never changes the manifest; a set without it is
/// "unverified".
///
/// Verdicts are per artifact, and only an artifact's own fault fails it: a
/// check that could not run (the test server down, no key or a wrong one,
/// the tier unreachable) is "not checked" with its reason, and blocks
/// nothing. A damaged artifact blocks its own component only.
public struct VerificationRecord: Codable, Sendable, Equatable {
    public static let fileName = "verification.json"

    public enum State: String, Codable, Sendable {
        case passed
        case failed
        /// Nothing was found wrong, but not everything could be checked.
        case notChecked = "not-checked"
    }

    /// `failed` when any artifact failed; `not-checked` when none failed
    /// but some check could not run; `passed` otherwise.
    public var state: State
    public var checkedAt: Date
    public var toolVersion: String
    /// The faults found (the artifacts' own).
    public var problems: [String]
    /// Per artifact; absent in records written before verdicts were kept
    /// per artifact (then `state` speaks for every artifact).
    public var artifacts: [ArtifactVerdict]?
    /// The checks that could not run, with why.
    public var notChecked: [String]?
    /// `quick` (every artifact read to the end) or `deep` (and the MongoDB
    /// artifact test-restored and compared); absent in older records.
    public var depth: Depth?
    /// When a deep verification last passed for this set (kept through later quick ones).
    public var deepPassedAt: Date?

    public enum Depth: String, Codable, Sendable { case quick, deep }

    public struct ArtifactVerdict: Codable, Sendable, Equatable {
        public var component: Component
        public var file: String
        public var state: State
        public var problems: [String]
    }

    public init(state: State, checkedAt: Date, toolVersion: String, problems: [String],
                artifacts: [ArtifactVerdict]? = nil, notChecked: [String]? = nil, depth: Depth? = nil, deepPassedAt: Date? = nil) {
        self.state = state
        self.checkedAt = checkedAt
        self.toolVersion = toolVersion
        self.problems = problems
        self.artifacts = artifacts
        self.notChecked = notChecked
        self.depth = depth
        self.deepPassedAt = deepPassedAt
    }

    /// Whether the last verification found this component's artifact at fault.
    public func failed(_ component: Component) -> Bool {
        guard let artifacts else { return state == .failed }
        return artifacts.contains { $0.component == component && $0.state == .failed }
    }

    /// The components whose artifacts failed.
    public func failedComponents(of manifest: Manifest) -> [Component] {
        manifest.components.filter { failed($0) }
    }

    public func encoded() throws -> [UInt8] { Array(try Manifest.encoder().encode(self)) + [0x0A] }
    public static func decode(_ bytes: [UInt8]) throws -> VerificationRecord {
        try Manifest.decoder().decode(VerificationRecord.self, from: Data(bytes))
    }
}
