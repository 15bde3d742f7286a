import ByteStreams
import Foundation
import HTTPClient

/// An object read from an SFTP target: a libcurl download on a thread of
/// its own, through a bounded pipe. A connection lost mid-way is resumed
/// from the byte reached (the connections' retries), so a long download
/// does not start over.
final class SFTPObjectSource: ByteSource, @unchecked Sendable {
    // @unchecked Sendable: the thread touches only `pipe` (thread-safe);
    // the reader touches `pipe` and `finishedReading`.
    private let pipe = BoundedPipe(capacity: 1 << 20)
    private var finishedReading = false

    init(connections: SFTPConnections, url: String, from start: Int64 = 0) {
        let pipe = self.pipe
        let thread = Thread {
            let counting = CountingSink(pipe)
            do {
                try connections.with { transfer in
                    try transfer.download(url: url, to: counting, from: start + Int64(counting.count))
                }
                pipe.finish()
            } catch {
                pipe.fail(error)
            }
        }
        thread.name = "lifeboat-sftp-download"
        thread.start()
    }

    deinit {
        // A reader that stops early: the download stops at its next write.
        pipe.fail(CancellationError())
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try pipe.read(into: buffer)
    }
}
