import Configuration
import Foundation
import LifeboatCore
import Logging

/// The whole of `lifeboat serve`: the HTTP server, the daemon, and the
/// signal handling that stops both.
public struct ServiceRunner: Sendable {
    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    public func run() throws -> Never {
        let settings = settings
        let logger = BackupDaemon.makeLogger(settings)
        let daemon = BackupDaemon(settings: settings, logger: logger)
        let endpoints = StatusEndpoints(settings: settings, store: daemon.store, startedAt: daemon.startedAt)
        let server = HTTPServer(log: { logger.warning("\($0)") }) { endpoints.handle($0) }
        if let host = settings.daemon.httpHost {
            do {
                try server.start(host: host, port: settings.daemon.httpPort)
            } catch {
                throw LifeboatError.usage("\(error)")
            }
            logger.info("listening on http://\(host):\(server.port) (/healthz, /metrics, /api/backups, /)")
        }
        logger.info("lifeboat \(LifeboatVersion.current) serving; backups in \(settings.backupDirectory)")
        daemon.start()

        let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                logger.info("signal \(number): no new runs; waiting up to \(settings.daemon.shutdownGraceSeconds)s for the running one")
                server.stop()
                if daemon.stop() {
                    logger.info("stopped")
                    Foundation.exit(0)
                }
                logger.error("a run did not finish within SHUTDOWN_GRACE_SECONDS; exiting (its set stays incomplete and is removed by the next backup)")
                Foundation.exit(ExitStatus.failure.rawValue)
            }
            source.resume()
            return source
        }
        withExtendedLifetime(signals) { dispatchMain() }
    }
}
