import Foundation

/// What an interruption leaves and how to undo it. Work registers, while
/// it runs, what it would leave behind (a half-written set, stopped
/// containers, a staging folder); whoever owns the process's signals calls
/// `interrupted(by:write:)`: the executable's handler for a one-shot
/// command (then it exits 130 or 143), the service at the end of its
/// shutdown. Nothing here touches signals or ends the process: that is the
/// executable's (the process boundary).
public final class Interruption: @unchecked Sendable {
    // @unchecked Sendable: `handlers` and `nextToken` are read and written
    // only while holding `lock`.
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
    private var nextToken = 0

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

    /// Says what each pending piece of work leaves (newest first) and runs
    /// its cleanup; each runs once. `reason` names the cause (`SIGTERM`).
    public func interrupted(by reason: String, write: (String) -> Void) {
        let pending = lock.withLock { () -> [Handler] in
            defer { handlers.removeAll() }
            return handlers.reversed()
        }
        if pending.isEmpty { write("interrupted (\(reason)); nothing was in progress") }
        for handler in pending {
            write("interrupted (\(reason)): " + handler.describe())
            handler.cleanup()
        }
    }

    /// Whether any work is registered (the service's shutdown says what it undoes only then).
    public var hasPending: Bool { lock.withLock { !handlers.isEmpty } }
}
