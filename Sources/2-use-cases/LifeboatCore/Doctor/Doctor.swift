import Foundation
import LifeboatConfiguration

/// What every check may read: the configuration, the tiers, the newest
/// complete set (what the next backup is compared with), the clock.
public struct DoctorContext: Sendable {
    public let settings: Settings
    public let tiers: Tiers?
    public let newest: Manifest?
    public let environment: [String: String]
    public let now: Date

    public func newestArtifact(_ component: Component) -> Manifest.Artifact? {
        newest?.artifacts.first { $0.component == component }
    }
}

/// `lifeboat doctor`: goes to every server and checks what the next backup
/// and the next restore will need. Each area is one check type; the
/// service adds its own (alerts) through `extra`.
public struct Doctor: Sendable {
    public typealias Check = @Sendable (DoctorContext) -> [DoctorFinding]

    /// The areas, in the order they are printed.
    public static let areas: [Check] = [LocalDiskCheck.findings]
        + ComponentRegistry.handlers.map { handler in { handler.doctorFindings($0) } }
        + [RemoteTierCheck.findings, DockerCheck.findings, EncryptionCheck.findings]

    let settings: Settings
    let environment: [String: String]
    let extra: [Check]

    public init(settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment, extra: [Check] = []) {
        self.settings = settings
        self.environment = environment
        self.extra = extra
    }

    public func run(now: Date = Date()) -> DoctorReport {
        var findings: [DoctorFinding] = []
        var tiers: Tiers?
        do {
            tiers = try Tiers(settings)
        } catch {
            findings.append(DoctorFinding("s3", "configuration", .fail, "\(error)", fix: (error as? LifeboatError)?.hint))
        }
        // The newest complete full set of any tier (the local one when the disk
        // still has it): what sizes, versions and contents are compared with.
        let newest = tiers.flatMap { try? TieredCatalog(tiers: $0, console: .silent).list().rows.last { $0.manifest.kind == .full }?.manifest }
        let context = DoctorContext(settings: settings, tiers: tiers, newest: newest, environment: environment, now: now)
        for check in Self.areas + extra { findings += check(context) }
        return DoctorReport(generatedAt: now, findings: findings)
    }
}
