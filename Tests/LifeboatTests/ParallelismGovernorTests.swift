@testable import MongoSource
import Testing

/// The insertion governor against simulated servers: each has a rate per
/// number of connections inserting at once; batches of 1 MiB complete at
/// that rate. The governor must end at (and spend most of the time at) the
/// server's best level, and the whole run within 10% of the best fixed one.
@Suite struct ParallelismGovernorTests {
    /// Runs `batches` batches through the governor against `rate(level)`
    /// bytes per second; returns the seconds taken and the governor.
    static func simulate(_ parallelism: InsertionParallelism, batches: Int,
                         rate: (Int) -> Double, change: (at: Int, rate: (Int) -> Double)? = nil) -> (Double, ParallelismGovernor) {
        let batchBytes = 1 << 20
        var governor = ParallelismGovernor(parallelism, now: 0)
        var now = 0.0
        for index in 0..<batches {
            // At level n the server completes n batches in n × batch / rate(n) seconds.
            let bytesPerSecond = if let change, index >= change.at { change.rate(governor.level) } else { rate(governor.level) }
            now += Double(batchBytes) / bytesPerSecond
            governor.finished(bytes: batchBytes, takenIn: governor.epoch, now: now)
        }
        return (now, governor)
    }

    static func serializing(_ level: Int) -> Double { [1: 40e6, 2: 30e6, 4: 23e6, 8: 20e6][level]! }
    static func scaling(_ level: Int) -> Double { [1: 20e6, 2: 38e6, 4: 70e6, 8: 120e6][level]! }
    static func peakAtTwo(_ level: Int) -> Double { [1: 20e6, 2: 34e6, 4: 30e6, 8: 25e6][level]! }

    static func server(named name: String) -> (Int) -> Double {
        switch name {
        case "serializing": return { Self.serializing($0) }
        case "scaling": return { Self.scaling($0) }
        default: return { Self.peakAtTwo($0) }
        }
    }

    @Test(arguments: [("serializing", 1), ("scaling", 8), ("peak at two", 2)])
    func reachesTheServersBestLevel(_ name: String, _ best: Int) {
        let rate = Self.server(named: name)
        let (adaptive, governor) = Self.simulate(.automatic, batches: 2000, rate: rate)
        #expect(governor.level == best, "\(name): ended at \(governor.level), steps \(governor.steps)")
        let fixed = [1, 2, 4, 8].map { Self.simulate(.fixed($0), batches: 2000, rate: rate).0 }
        #expect(adaptive <= fixed.min()! * 1.10, "\(name): \(adaptive) s against the best fixed \(fixed.min()!) s (\(fixed))")
    }

    @Test func aFixedSettingNeverMoves() {
        let (_, governor) = Self.simulate(.fixed(4), batches: 500, rate: { Self.scaling($0) })
        #expect(governor.level == 4)
        #expect(governor.steps.isEmpty)
    }

    @Test func followsAServerThatBecomesBusy() {
        // Scales to 8 at first; then the machine gets busy and one connection is best.
        let (_, governor) = Self.simulate(.automatic, batches: 6000, rate: { Self.scaling($0) }, change: (at: 1000, rate: { Self.serializing($0) }))
        #expect(governor.level <= 2, "ended at \(governor.level)")
    }

    @Test func aSmallRestoreStaysNarrow() {
        // Fewer batches than one window: one connection, nothing measured.
        let (_, governor) = Self.simulate(.automatic, batches: 3, rate: { Self.scaling($0) })
        #expect(governor.level == 1)
    }

    @Test func batchesTakenBeforeAChangeDoNotCount() {
        var governor = ParallelismGovernor(.automatic, now: 0)
        for step in 1...4 { governor.finished(bytes: 1 << 20, takenIn: 0, now: Double(step) * 0.1) }
        #expect(governor.level == 2)
        let epoch = governor.epoch
        // Old-epoch completions are ignored; the window is still empty.
        for step in 1...10 { governor.finished(bytes: 1 << 20, takenIn: epoch - 1, now: 0.4 + Double(step)) }
        #expect(governor.level == 2 && governor.steps.count == 1)
    }
}
