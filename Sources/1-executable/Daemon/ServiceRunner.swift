import LifeboatConfiguration
import Foundation
import LifeboatCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The whole of `lifeboat serve`: the status server and the scheduler as
/// services of one ServiceGroup, which owns SIGTERM and SIGINT (graceful
/// shutdown: the server stops first, then the scheduler lets its running
/// run finish).
public struct ServiceRunner: Sendable {
    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    public func run() async throws {
        let settings = settings
        let logger = BackupDaemon.makeLogger(settings)
        let daemon = BackupDaemon(settings: settings, logger: logger)
        let (ready, listening) = AsyncStream<Void>.makeStream()
        // Whether the server got as far as listening: a failure before it
        // is the address's, and nothing was started; after it, the
        // scheduler was running and has been stopped.
        let listened = Mutex(false)
        // Shut down in reverse order: the status server, then the scheduler.
        var services: [any Service] = [BackupDaemonService(daemon: daemon, ready: ready)]
        if let host = settings.daemon.httpHost {
            let endpoints = StatusEndpoints(settings: settings, store: daemon.store, startedAt: daemon.startedAt)
            let server = StatusServer(endpoints: endpoints, host: host, port: settings.daemon.httpPort, logger: logger)
            services.append(try server.service { port in
                logger.info("listening on http://\(host):\(port) (/healthz, /metrics, /api/backups, /)")
                listened.withLock { $0 = true }
                listening.yield()
            })
        } else {
            listening.yield()
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        // Work still registered when the group has stopped (a run that outlived
        // SHUTDOWN_GRACE_SECONDS) is undone as a one-shot command's would be on
        // a signal: temporary files removed, stopped containers started again.
        defer {
            if Interruption.shared.hasPending {
                Interruption.shared.interrupted(by: "service shutdown") { logger.warning("\($0)") }
            }
        }
        do {
            try await group.run()
            logger.info("stopped")
        } catch let error as BackupDaemonService.GraceExceeded {
            logger.error("\(error)")
            throw LifeboatError(.failure, "\(error)")
        } catch where listened.withLock({ $0 }) {
            logger.error("the status server stopped: \(error); the scheduler was stopped with it")
            throw LifeboatError(.failure, "the status server stopped: \(error); the service was stopped (a running backup got SHUTDOWN_GRACE_SECONDS)")
        } catch {
            // The status server could not listen (the address is taken or
            // not this host's): nothing was started.
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            let address = "\(settings.daemon.httpHost ?? ""):\(settings.daemon.httpPort)"
            throw LifeboatError.usage("LIFEBOAT_HTTP_ADDR=\(address): cannot listen: \(reason); no backup was started",
                                      hint: "stop what listens on \(address), or set LIFEBOAT_HTTP_ADDR to a free address (e.g. 0.0.0.0:8081)")
        }
    }
}
