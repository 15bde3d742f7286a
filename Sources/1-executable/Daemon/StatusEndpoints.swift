import LifeboatConfiguration
import Foundation
import LifeboatCore
import Logging
import Synchronization

/// The routes of the service's HTTP server.
public struct StatusEndpoints: Sendable {
    public let settings: Settings
    public let store: DaemonStateStore
    public let startedAt: Date
    let now: @Sendable () -> Date

    public init(settings: Settings, store: DaemonStateStore, startedAt: Date, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.store = store
        self.startedAt = startedAt
        self.now = now
    }

    public func handle(_ request: StatusRequest) -> StatusResponse {
        switch request.path {
        case "/healthz":
            // Health must not wait for S3: the local tier's sets (a local
            // read) and the remote listing as last cached, with the state.
            let local = (try? TieredCatalog(tiers: Tiers(settings), console: .silent).list(only: ["local"]).rows) ?? []
            let rows = (cache.peek() ?? []).filter { row in !local.contains { $0.id == row.id } } + local
            let report = StatusReport(generatedAt: now(), state: store.current, rows: rows.sorted { $0.manifest.finishedAt < $1.manifest.finishedAt },
                                      tierLocations: [], tierProblems: [], nextRuns: [], maxAge: settings.daemon.maxAge, startedAt: startedAt)
            let health = report.health
            let newest = report.newestUsableSet
            // Doctor's failures do not make the service unhealthy (the backups
            // decide that); they are said in the reason, where a monitor reads it.
            let doctor = report.state.lastDoctor.flatMap { $0.failures.isEmpty ? nil : "; doctor at \(StatusReport.iso($0.at)): \($0.failures.count) FAIL: \($0.failures.joined(separator: "; "))" } ?? ""
            let body: [String: String?] = ["status": health.healthy ? "ok" : "unhealthy", "reason": health.reason + doctor,
                                           "lastSuccess": (newest?.manifest.finishedAt ?? report.state.lastSuccess?.finishedAt).map(StatusReport.iso),
                                           "lastSet": newest?.id.rawValue ?? report.state.lastSuccess?.setID]
            return json(body.compactMapValues { $0 }, status: health.healthy ? 200 : 503)
        case "/metrics":
            return .text(MetricsText.render(gather()), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "/", "/report":
            return .text(ReportPage.html(gather()), contentType: "text/html; charset=utf-8")
        case "/api/backups":
            return json(gather().rows.map(Self.summary))
        default:
            if request.path.hasPrefix("/sets/") {
                let id = String(request.path.dropFirst("/sets/".count))
                guard BackupSetID(id) != nil, let tiers = try? Tiers(settings) else {
                    return .text("<!doctype html><p>not a set id: \(HistoryCharts.escape(id))</p>", status: 404, contentType: "text/html; charset=utf-8")
                }
                do {
                    let browser = SetBrowser(settings: settings, tiers: tiers, console: .silent)
                    let contents = try browser.contents(id, from: nil, path: nil, components: nil)
                    let manifest = gather().rows.first { $0.id.rawValue == id }?.manifest
                    return .text(SetPage.html(contents, manifest: manifest), contentType: "text/html; charset=utf-8")
                } catch {
                    return .text("<!doctype html><p>\(HistoryCharts.escape(LifeboatError.wrap(error, doing: "reading set \(id)").message))</p><p><a href=\"/\">report</a></p>",
                                 status: 404, contentType: "text/html; charset=utf-8")
                }
            }
            if request.path.hasPrefix("/api/backups/") {
                let id = String(request.path.dropFirst("/api/backups/".count))
                guard let row = gather().rows.first(where: { $0.id.rawValue == id }) else {
                    return json(["error": "no complete set \(id) in any tier"], status: 404)
                }
                var detail = Self.summary(row)
                detail["manifest"] = (try? JSONSerialization.jsonObject(with: Data(row.manifest.encoded()))) ?? [:]
                return json(detail)
            }
            return json(["error": "not found", "paths": "/healthz /metrics /api/backups /api/backups/{id} /sets/{id} /"], status: 404)
        }
    }

    /// The tiers' listing, at most two minutes old and taken again after
    /// each run (an S3 LIST per scrape would be slow and billed).
    let cache = ListingCache(seconds: 120)

    func gather() -> StatusReport {
        let state = store.current
        let report = cache.report(for: state) {
            StatusReport.gather(settings: settings, state: state, startedAt: startedAt, now: now())
        }
        return StatusReport(generatedAt: now(), state: state, rows: report.rows, tierLocations: report.tierLocations, tierPrices: report.tierPrices, tierProblems: report.tierProblems,
                            nextRuns: StatusReport.gather(settings: settings, state: state, startedAt: startedAt, now: now(), listTiers: false).nextRuns,
                            maxAge: settings.daemon.maxAge, startedAt: startedAt)
    }

    static func summary(_ row: TieredCatalog.Row) -> [String: Any] {
        [
            "id": row.id.rawValue, "tiers": row.tierNames, "kind": row.manifest.kind.rawValue, "label": row.manifest.label ?? NSNull(),
            "created": StatusReport.iso(row.manifest.startedAt), "finished": StatusReport.iso(row.manifest.finishedAt),
            "storedBytes": row.manifest.storedBytes, "components": row.manifest.components.map(\.rawValue),
            "verification": row.verificationState.rawValue,
        ]
    }

    func json(_ object: Any, status: Int = 200) -> StatusResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return StatusResponse(status: status, contentType: "application/json", body: Array(data) + [0x0A])
    }
}

extension BackupDaemon {
    /// A logger writing LOG_FORMAT lines (installs the handler once per process).
    public static func makeLogger(_ settings: Settings) -> Logger {
        let format = settings.daemon.logFormat
        LoggingBootstrap.once(format)
        return Logger(label: "lifeboat")
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    private static let lock = NSLock()

    static func once(_ format: DaemonSettings.LogFormat) {
        // nonisolated(unsafe): `done` is read and written only under `lock`.
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { LifeboatLogHandler(label: $0, format: format) }
    }
}

/// The last tier listing for the status pages, with when it was taken and
/// the service state it was taken after.
final class ListingCache: Sendable {
    private struct Entry {
        var at: Date
        var fingerprint: String
        var report: StatusReport
    }
    private let entry = Mutex<Entry?>(nil)
    private let seconds: TimeInterval

    init(seconds: TimeInterval) { self.seconds = seconds }

    /// The sets last listed, without listing (nil before the first listing).
    func peek() -> [TieredCatalog.Row]? { entry.withLock { $0?.report.rows } }

    func report(for state: DaemonState, make: () -> StatusReport) -> StatusReport {
        let fingerprint = "\(state.lastSuccess?.setID ?? "")|\(state.lastFailure?.at.timeIntervalSince1970 ?? 0)|\(state.lastVerification?.timeIntervalSince1970 ?? 0)"
        if let cached = entry.withLock({ $0 }), cached.fingerprint == fingerprint, Date().timeIntervalSince(cached.at) < seconds {
            return cached.report
        }
        let fresh = make()
        entry.withLock { $0 = Entry(at: Date(), fingerprint: fingerprint, report: fresh) }
        return fresh
    }
}
