import Foundation
import MongoArchive
import MongoClient

/// Inserts batches on worker threads, each with its own connection, through
/// a bounded queue. How many insert at once is the governor's `level`
/// (fixed, or measured from the rate reached); threads are started as the
/// level first reaches them. Memory: at most `level + 2` queued batches and
/// `level` in flight (each copied once more by the driver's bulk operation).
final class InsertionPool: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var active = 0
    private var stopping = false
    private var error: (any Error)?
    private var results: [Namespace: (inserted: Int, duplicates: Int)] = [:]
    private var threads = 0
    private var started = 0
    private var governor: ParallelismGovernor
    private let uri: String
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    private struct Batch {
        let namespace: Namespace
        let bytes: [UInt8]
        let count: Int
    }

    init(uri: String, parallelism: InsertionParallelism) {
        self.uri = uri
        origin = clock.now
        governor = ParallelismGovernor(parallelism, now: 0)
        condition.lock()
        startThreads()
        condition.unlock()
    }

    /// What the governor measured: each window's level and rate.
    var steps: [ParallelismGovernor.Step] {
        condition.lock()
        defer { condition.unlock() }
        return governor.steps
    }

    /// The level insertion ended at and the levels tried on the way.
    var levels: (final: Int, tried: [Int]) {
        condition.lock()
        defer { condition.unlock() }
        return (governor.level, governor.levelsTried)
    }

    func submit(_ namespace: Namespace, _ batch: (bytes: [UInt8], count: Int)) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= governor.level + 2 && error == nil { condition.wait() }
        if let error { throw error }
        queue.append(Batch(namespace: namespace, bytes: batch.bytes, count: batch.count))
        condition.broadcast()
    }

    /// Waits until every submitted batch is inserted; rethrows a worker's error.
    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        while (!queue.isEmpty || active > 0) && error == nil { condition.wait() }
        if let error { throw error }
    }

    func counts(_ namespace: Namespace) -> (inserted: Int, duplicates: Int) {
        condition.lock()
        defer { condition.unlock() }
        return results[namespace] ?? (0, 0)
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while threads > 0 { condition.wait() }
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        queue.removeAll()
        condition.unlock()
        stop()
    }

    /// Called with the lock held.
    private func startThreads() {
        while started < governor.level {
            let thread = Thread { [self] in work() }
            thread.name = "lifeboat-insert-\(started)"
            started += 1
            threads += 1
            thread.start()
        }
    }

    private func seconds() -> Double {
        let elapsed = origin.duration(to: clock.now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    private func work() {
        var connection: MongoConnection?
        while true {
            condition.lock()
            // A worker beyond the level waits (its connection stays open for when the level rises).
            while (queue.isEmpty || active >= governor.level) && !stopping { condition.wait() }
            if stopping && queue.isEmpty {
                threads -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            if queue.isEmpty || active >= governor.level {
                // Stopping with work left that others are allowed to take.
                condition.wait()
                condition.unlock()
                continue
            }
            let batch = queue.removeFirst()
            let epoch = governor.epoch
            active += 1
            condition.broadcast()
            condition.unlock()

            var outcome: MongoConnection.InsertOutcome?
            var failure: (any Error)?
            do {
                if connection == nil { connection = try MongoConnection(uri: uri) }
                outcome = try batch.bytes.withUnsafeBytes {
                    try connection!.insertMany(batch.namespace.db, batch.namespace.collection, documents: $0, count: batch.count)
                }
                if let other = outcome?.otherErrors.first {
                    failure = MongoSourceError("inserting into \(batch.namespace) failed: \(other)")
                }
            } catch {
                failure = error
            }
            let now = seconds()
            condition.lock()
            active -= 1
            if let outcome {
                results[batch.namespace, default: (0, 0)].inserted += outcome.inserted
                results[batch.namespace, default: (0, 0)].duplicates += outcome.duplicates
            }
            if let failure, error == nil { error = failure }
            governor.finished(bytes: batch.bytes.count, takenIn: epoch, now: now)
            startThreads()
            condition.broadcast()
            condition.unlock()
        }
    }
}
