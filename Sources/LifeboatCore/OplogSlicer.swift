import Configuration
import Foundation
import MongoSource
import RawBSON
import Storage

/// Continuous oplog capture: a tailable cursor kept open, its entries
/// buffered and sealed as a slice (a MongoDB-only incremental set) when
/// asked. The position of record is always the newest complete set, and
/// the first seal after the tail opens is taken by query from there: that
/// one query covers everything before the tail (a restart, a gap, entries
/// written while the cursor opened); later seals take the buffer's entries
/// after the newest set's end. After any failure the buffer is dropped and
/// a new tail opened, so slices have no gap and no duplicate.
public final class OplogSlicer {
    private let settings: Settings
    private let console: Console
    private var tail: OplogTail?
    private var buffer: [[UInt8]] = []
    /// Whether a seal by query has covered everything before the tail.
    private var joined = false

    public init(settings: Settings, console: Console) {
        self.settings = settings
        self.console = console
    }

    /// Reads the oplog until `deadline`; with `seal`, writes a slice and returns it.
    public func step(until deadline: Date, seal: Bool) throws -> Manifest? {
        do {
            if tail == nil {
                tail = try OplogTail(uri: settings.mongoURI!)
                joined = false
            }
            buffer += try tail!.collect(until: deadline)
        } catch {
            reset()
            throw error
        }
        guard seal else { return nil }
        do {
            guard joined else {
                let manifest = try slice(captured: nil)
                if let end = manifest.artifact(.mongo)?.mongo?.oplog?.end {
                    buffer.removeAll { (BSONDocumentView($0)["ts"]?.timestamp).map { $0 <= end } ?? true }
                    joined = true
                } else {
                    reset()
                }
                return manifest
            }
            guard !buffer.isEmpty, let end = tail?.position else { return nil }
            let manifest = try slice(captured: BackupJob.CapturedOplog(entries: buffer, end: end))
            buffer = []
            return manifest
        } catch let error as LifeboatError where error.status == .busy {
            throw error  // keep the buffer: the next seal takes it
        } catch {
            reset()
            throw error
        }
    }

    private func slice(captured: BackupJob.CapturedOplog?) throws -> Manifest {
        try BackupJob(settings: settings, console: console).run(components: [.mongo], label: "oplog slice", kind: .incremental, captured: captured)
    }

    private func reset() {
        tail = nil
        buffer = []
    }
}
