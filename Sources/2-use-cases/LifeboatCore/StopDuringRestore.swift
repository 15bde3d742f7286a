import ComposeStack
import LifeboatConfiguration
import DockerEngine
import Foundation

/// Stops the stack's containers labelled `lifeboat.stop-during-restore=true`
/// (the backend, say) before a restore and starts them again afterwards —
/// also when the restore fails, and when Lifeboat is interrupted (SIGINT,
/// SIGTERM): a restore must never leave the application down.
public final class StopDuringRestore: @unchecked Sendable {
    // @unchecked Sendable: `stopped` and `interruptionToken` are guarded by
    // `lock`; the interruption's cleanup and the restoring thread both call
    // `startAgain`, which starts each container once.
    public static let label = ComposeLabel.filter(ComposeLabel.stopDuringRestore, "true")
    private let stack: ComposeStack
    private var client: DockerClient { stack.client }
    private let console: Console
    private let lock = NSLock()
    private var stopped: [(id: String, name: String)] = []
    private var interruptionToken: Interruption.Token?
    public var project: String? { stack.project }

    /// Nil when there is nothing to do (disabled, or no engine and DOCKER_HOST
    /// left at its default: the restore goes on, with a warning).
    public static func make(_ settings: Settings, console: Console) throws -> StopDuringRestore? {
        guard settings.docker.stopDuringRestore else { return nil }
        do {
            return StopDuringRestore(stack: try ComposeStack(settings), console: console)
        } catch let error as DockerError where !settings.docker.hostExplicit {
            console.warn("no Docker engine (\(error.message)): containers labelled \(label) are not stopped during this restore")
            return nil
        }
    }

    init(stack: ComposeStack, console: Console) {
        self.stack = stack
        self.console = console
    }

    /// Stops the labelled containers that are running, in the project when known.
    public func stop() throws {
        let targets = try stack.stoppedDuringRestore().filter { $0.State == "running" }
        if targets.isEmpty { return }
        registerInterruption()
        for container in targets {
            console.info("stopping \(container.name) for the restore (\(Self.label))")
            try client.stop(container.Id, timeoutSeconds: 30)
            lock.withLock { stopped.append((container.Id, container.name)) }
            console.info("  stopped \(container.name)")
        }
    }

    /// Stops the labelled running containers for a rebuild, which starts
    /// the whole project itself at its end (and again when it is resumed):
    /// nothing registered, nothing remembered. Returns their names.
    public func stopForGood() throws -> [String] {
        let targets = try stack.stoppedDuringRestore().filter { $0.State == "running" }
        for container in targets {
            console.info("stopping \(container.name) until the rebuild is done (\(Self.label))")
            try client.stop(container.Id, timeoutSeconds: 30)
        }
        return targets.map(\.name)
    }

    /// Starts again every container this run stopped, in reverse order, and
    /// waits until each runs (and is healthy, when it has a health check).
    /// Failures are reported and the others still started.
    @discardableResult
    public func startAgain() -> [String] {
        let toStart = lock.withLock { () -> [(id: String, name: String)] in
            defer { stopped.removeAll() }
            return stopped.reversed()
        }
        // Once nothing is left stopped, an interruption has nothing of this to undo.
        if let token = lock.withLock({ () -> Interruption.Token? in defer { interruptionToken = nil }; return interruptionToken }) {
            Interruption.shared.remove(token)
        }
        var failures: [String] = []
        for container in toStart {
            do {
                try client.start(container.id)
                try client.waitUntilReady(container.id, timeoutSeconds: 120)
                console.info("started \(container.name) again")
            } catch {
                console.warn("could not start \(container.name) again: \(error); start it by hand (docker start \(container.name))")
                failures.append(container.name)
            }
        }
        return failures
    }

    /// Interrupted mid-restore (a signal to a one-shot command, or the
    /// service's shutdown): the containers are started again first.
    private func registerInterruption() {
        lock.withLock {
            guard interruptionToken == nil else { return }
            interruptionToken = Interruption.shared.register({ "starting the stopped containers again before exiting" },
                                                             cleanup: { [self] in startAgain() })
        }
    }
}
