import Foundation

/// SIGINT and SIGTERM during a one-shot command: say what was interrupted
/// and what it leaves, undo what can be undone (temporary files, stopped
/// containers), then exit 130 or 143. Work registers what it would leave
/// behind while it runs; the handlers run newest first.
///
/// `lifeboat serve` does not install this: its service runner owns the
/// signals and shuts down gracefully.
public final class Interruption: @unchecked Sendable {
    // @unchecked Sendable: `handlers`, `sources` and `nextToken` are read
    // and written only while holding `lock`.
    public static let shared = Interruption()

    public struct Token: Sendable, Hashable { fileprivate let value: Int }

    private struct Handler {
        let token: Token
        /// What the interruption leaves, said before the cleanup runs.
        let describe: @Sendable () -> String
        let cleanup: @Sendable () -> Void
    }

    private let lock = NSLock()
    private var handlers: [Handler] = []
    private var sources: [any DispatchSourceSignal] = []
    private var nextToken = 0

    /// Whether the command's signals are handled here (one-shot commands).
    public var isInstalled: Bool { lock.withLock { !sources.isEmpty } }

    public func install() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in interrupted(by: number) }
            source.resume()
            sources.append(source)
        }
    }

    @discardableResult
    public func register(_ describe: @escaping @Sendable () -> String, cleanup: @escaping @Sendable () -> Void = {}) -> Token {
        lock.withLock {
            nextToken += 1
            let token = Token(value: nextToken)
            handlers.append(Handler(token: token, describe: describe, cleanup: cleanup))
            return token
        }
    }

    public func remove(_ token: Token) {
        lock.withLock { handlers.removeAll { $0.token == token } }
    }

    private func interrupted(by number: Int32) {
        let pending = lock.withLock { () -> [Handler] in
            defer { handlers.removeAll() }
            return handlers.reversed()
        }
        let name = number == SIGINT ? "SIGINT" : "SIGTERM"
        let write = { (text: String) in FileHandle.standardError.write(Data(("lifeboat: " + text + "\n").utf8)) }
        if pending.isEmpty { write("interrupted (\(name)); nothing was in progress") }
        for handler in pending {
            write("interrupted (\(name)): " + handler.describe())
            handler.cleanup()
        }
        exit(128 + number)
    }
}
