import Foundation
import HTTPClient
import Storage
import Synchronization

/// The SSH sessions of one SFTP target: a few kept open between
/// operations (a set's objects reuse one login), each used by one thread
/// at a time. An operation that meets a transport failure is tried again
/// with a fresh session after a pause; once every attempt failed, the
/// server counts as down for five minutes (as S3 servers do), so the next
/// operations of the run fail at once instead of each waiting out its own
/// attempts; the service's next run tries again.
final class SFTPConnections: Sendable {
    let login: SFTPLogin
    let server: String
    let maxAttempts: Int
    private let idle = Mutex<[SFTPTransferBox]>([])

    init(login: SFTPLogin, server: String, maxAttempts: Int) {
        self.login = login
        self.server = server
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Runs `body` on a session, retrying transport failures while
    /// `retryable` says another attempt is safe; the session goes back to
    /// the pool only after a success.
    func with<T>(retryable: () -> Bool = { true }, _ body: (SFTPTransfer) throws -> T) throws -> T {
        if let reason = UnreachableServers.reason(server) {
            throw SFTPError(kind: .transport, message: "the server did not answer earlier in this run (\(reason)); not tried again", operation: "SFTP to \(server)", attempts: 0)
        }
        var attempt = 0
        while true {
            attempt += 1
            let transfer = try take()
            do {
                let result = try body(transfer)
                give(transfer)
                return result
            } catch let error as HTTPError {
                let failure = SFTPError.from(error, attempts: attempt)
                guard failure.kind == .transport, attempt < maxAttempts, retryable() else {
                    if failure.kind == .transport { UnreachableServers.mark(server, reason: error.message) }
                    throw failure
                }
                Thread.sleep(forTimeInterval: min(4, 0.5 * pow(2, Double(attempt - 1))) * Double.random(in: 0.8...1.2))
            }
        }
    }


    private func take() throws -> SFTPTransfer {
        if let box = idle.withLock({ $0.popLast() }) { return box.transfer }
        return try SFTPTransfer(login: login)
    }

    private func give(_ transfer: SFTPTransfer) {
        idle.withLock { if $0.count < 4 { $0.append(SFTPTransferBox(transfer)) } }
    }
}

/// An idle session in the pool.
final class SFTPTransferBox: @unchecked Sendable {
    // @unchecked Sendable: a transfer in the pool is used by no thread; it
    // is handed to exactly one thread when taken out (under the pool's lock).
    let transfer: SFTPTransfer
    init(_ transfer: SFTPTransfer) { self.transfer = transfer }
}
