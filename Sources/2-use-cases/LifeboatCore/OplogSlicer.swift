import ByteStreams
import LifeboatConfiguration
import Foundation
import MongoSource
import Storage

/// Continuous oplog capture: a tailable cursor kept open, its entries
/// spooled to a file in BACKUP_DIR and sealed as a slice (a MongoDB-only
/// incremental set) when asked. The position of record is always the
/// newest complete set, and the first seal after the tail opens is taken by
/// query from there: that one query covers everything before the tail (a
/// restart, a gap, entries written while the cursor opened); later seals
/// take the spooled entries after the newest set's end. After any failure
/// the spool is dropped and a new tail opened, so slices have no gap and no
/// duplicate.
public final class OplogSlicer {
    private let settings: Settings
    private let console: Console
    private var tail: OplogTail?
    /// What the tail read since the last seal, on disk (a slice interval of
    /// a busy server's writes need not fit in memory).
    private var spool: ScratchFile?
    private var spooled = 0
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
                tail = try OplogTail(uri: settings.mongo.uri!)
                joined = false
            }
            let entries = try tail!.collect(until: deadline)
            if !entries.isEmpty {
                let file = try spool ?? ScratchFile(path: settings.backupDirectory + "/.lifeboat-oplog-spool")
                spool = file
                let sink = file.sink
                for entry in entries { try entry.withUnsafeBytes { try sink.write($0) } }
                spooled += entries.count
            }
        } catch {
            reset()
            throw error
        }
        guard seal else { return nil }
        do {
            guard joined else {
                // Spooled entries up to its end are skipped by the next seal
                // (it takes only those after the newest set's end).
                let manifest = try slice(captured: nil)
                if manifest.artifact(.mongo)?.mongo?.oplog?.end != nil { joined = true } else { reset() }
                return manifest
            }
            guard let spool, spooled > 0, let end = tail?.position else { return nil }
            let manifest = try slice(captured: BackupJob.CapturedOplog(entries: spool.source(), end: end))
            self.spool = nil
            spooled = 0
            return manifest
        } catch let error as LifeboatError where error.status == .busy {
            throw error  // keep the spool: the next seal takes it
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
        spool = nil
        spooled = 0
    }
}
