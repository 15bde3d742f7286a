import Configuration
import Foundation
import LifeboatCore
import Logging

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

    public func handle(_ request: HTTPServer.Request) -> HTTPServer.Response {
        switch request.path {
        case "/healthz":
            // Health must not wait for S3: it reads only the service's state.
            let report = StatusReport(generatedAt: now(), state: store.current, rows: [], tierLocations: [], tierProblems: [],
                                      nextRuns: [], maxAge: settings.daemon.maxAge, startedAt: startedAt)
            let health = report.health
            let body: [String: String?] = ["status": health.healthy ? "ok" : "unhealthy", "reason": health.reason,
                                           "lastSuccess": report.state.lastSuccess.map { StatusReport.iso($0.finishedAt) },
                                           "lastSet": report.state.lastSuccess?.setID]
            return json(body.compactMapValues { $0 }, status: health.healthy ? 200 : 503)
        case "/metrics":
            return .text(MetricsText.render(gather()), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "/", "/report":
            return .text(ReportPage.html(gather()), contentType: "text/html; charset=utf-8")
        case "/api/backups":
            return json(gather().rows.map(Self.summary))
        default:
            if request.path.hasPrefix("/api/backups/") {
                let id = String(request.path.dropFirst("/api/backups/".count))
                guard let row = gather().rows.first(where: { $0.id.rawValue == id }) else {
                    return json(["error": "no complete set \(id) in any tier"], status: 404)
                }
                var detail = Self.summary(row)
                detail["manifest"] = (try? JSONSerialization.jsonObject(with: Data(row.manifest.encoded()))) ?? [:]
                return json(detail)
            }
            return json(["error": "not found", "paths": "/healthz /metrics /api/backups /api/backups/{id} /"], status: 404)
        }
    }

    func gather() -> StatusReport {
        StatusReport.gather(settings: settings, state: store.current, startedAt: startedAt, now: now())
    }

    static func summary(_ row: TieredCatalog.Row) -> [String: Any] {
        [
            "id": row.id.rawValue, "tiers": row.tierNames, "kind": row.manifest.kind.rawValue, "label": row.manifest.label ?? NSNull(),
            "created": StatusReport.iso(row.manifest.startedAt), "finished": StatusReport.iso(row.manifest.finishedAt),
            "storedBytes": row.manifest.storedBytes, "components": row.manifest.components.map(\.rawValue),
            "verification": row.verificationState.rawValue,
        ]
    }

    func json(_ object: Any, status: Int = 200) -> HTTPServer.Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return HTTPServer.Response(status: status, contentType: "application/json", body: Array(data) + [0x0A])
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
