import ByteStreams
import Foundation
import HTTPClient
import Storage

/// An object being written to an SFTP target: the bytes go, through a
/// bounded pipe, to a hidden temporary file beside the final name (a
/// libcurl upload on a thread of its own), which the server renames into
/// place on commit. Until then nothing is visible under the key; a
/// connection lost mid-way leaves only the temporary file, which no
/// listing shows and the set's cleanup removes.
final class SFTPUpload: ObjectUpload, @unchecked Sendable {
    // @unchecked Sendable: the thread touches only `pipe` (thread-safe)
    // and `outcome`, which is written before `done` is signalled and read
    // after waiting for it.
    private let pipe = BoundedPipe(capacity: 1 << 20)
    private let done = DispatchSemaphore(value: 0)
    private var outcome: (any Error)?
    private var finished = false
    private let connections: SFTPConnections
    private let location: SFTPLocation
    private let temporaryPath: String
    private let finalPath: String

    init(connections: SFTPConnections, location: SFTPLocation, temporaryPath: String, finalPath: String) {
        self.connections = connections
        self.location = location
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        let thread = Thread { [self] in send() }
        thread.name = "lifeboat-sftp-upload"
        thread.start()
    }

    private func send() {
        let counting = CountingSource(pipe)
        do {
            let rename = "rename \(SFTPLocation.quoted(temporaryPath)) \(SFTPLocation.quoted(finalPath))"
            // A retry is safe only while no byte was taken from the pipe.
            try connections.with(retryable: { counting.count == 0 }) { transfer in
                do {
                    try transfer.upload(url: location.url(path: temporaryPath), from: counting, after: [rename])
                } catch let error as HTTPError where error.isCommandRefused {
                    // The rename refused: the final name exists (SFTP v3
                    // renames never replace). The bytes are all in the
                    // temporary file; replace the old object with it.
                    try transfer.run(["*rm \(SFTPLocation.quoted(finalPath))", rename], folderURL: location.url(path: (finalPath as NSString).deletingLastPathComponent, folder: true))
                }
            }
        } catch {
            outcome = error
            pipe.fail(error)
        }
        done.signal()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try pipe.write(bytes)
    }

    func commit() throws {
        precondition(!finished, "commit after commit or abort")
        finished = true
        pipe.finish()
        done.wait()
        if let outcome {
            removeTemporary()
            throw outcome
        }
    }

    func abort() {
        guard !finished else { return }
        finished = true
        pipe.fail(CancellationError())
        done.wait()
        removeTemporary()
    }

    private func removeTemporary() {
        try? connections.with { transfer in
            try transfer.run(["*rm \(SFTPLocation.quoted(temporaryPath))"], folderURL: location.url(path: location.folder, folder: true))
        }
    }
}

/// Counts what a source gave.
final class CountingSource: ByteSource {
    private let source: any ByteSource
    private(set) var count: UInt64 = 0
    init(_ source: any ByteSource) { self.source = source }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try source.read(into: buffer)
        count += UInt64(n)
        return n
    }
}
