import Foundation
import LifeboatConfiguration
import LifeboatCore
import Logging
import Notifications
import ServiceLifecycle

/// The scheduler as a service of the ServiceGroup. It starts once the
/// status server listens (a wrong LIFEBOAT_HTTP_ADDR ends the service
/// before any backup starts), and on graceful shutdown (SIGTERM, SIGINT)
/// takes no new run and gives the running one SHUTDOWN_GRACE_SECONDS.
struct BackupDaemonService: Service {
    let daemon: BackupDaemon
    /// Yields once the status server listens (at once when there is none).
    let ready: AsyncStream<Void>

    func run() async throws {
        var waiting = ready.makeAsyncIterator()
        guard await waiting.next() != nil, !Task.isCancelled else { return }
        daemon.logger.info("lifeboat \(LifeboatVersion.current) serving; backups in \(daemon.settings.backupDirectory)")
        let alerts = daemon.alerts.channels.map { "\($0.name) (\($0.shownTarget))" }
        let told = (alerts.isEmpty ? "alerts go nowhere (no channel set; `lifeboat doctor` says how)" : "alerts: " + alerts.joined(separator: ", "))
            + (daemon.heartbeat == nil ? "; no heartbeat" : "; heartbeat on")
        if alerts.isEmpty { daemon.logger.warning("\(told)") } else { daemon.logger.info("\(told)") }
        daemon.start()
        // Until SIGTERM/SIGINT; cancellation (another service failed) stops
        // the daemon the same way.
        try? await gracefulShutdown()
        daemon.logger.info("stopping: no new runs; waiting up to \(daemon.settings.daemon.shutdownGraceSeconds)s for the running one")
        // The daemon's threads block (libcurl, libmongoc, files), and so
        // does the wait for them: on a thread of its own, never the pool.
        let daemon = daemon
        let finished = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: daemon.stop()) }.start()
        }
        if !finished { throw GraceExceeded() }
    }

    struct GraceExceeded: Error, CustomStringConvertible {
        var description: String {
            "a run did not finish within SHUTDOWN_GRACE_SECONDS; exiting (its set stays incomplete and is removed by the next backup)"
        }
    }
}
