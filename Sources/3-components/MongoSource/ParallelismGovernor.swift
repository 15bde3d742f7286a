/// Decides how many insertion workers run at once from the rate they reach.
///
/// Why measure rather than configure: SecantusDB serializes writes, so four
/// connections insert at 0.57x the rate of one, while a real mongod gains
/// from several; on a busy machine even a mongod's best number changes. So
/// it starts with one and doubles while a doubling raises the rate by at
/// least `gain`; a step that does not is taken back (fewer connections doing
/// the same work cost the server less). Settled, it probes again every
/// `probeInterval` seconds, one step up and one step down in turn, since
/// what else the server and the machine do changes what they can take.
///
/// A rate is measured over a window of batches *started* at the current
/// level (a batch begun before a change does not count in the next window),
/// at least `minimumBatches` (and two per worker) and `minimumSeconds` long.
/// Time is passed in, so the decisions are tested with a simulated server.
struct ParallelismGovernor {
    static let gain = 1.08
    static let minimumBatches = 4
    static let minimumSeconds = 0.25
    static let probeInterval = 15.0

    struct Step: Equatable {
        let level: Int
        let bytesPerSecond: Double
    }

    private enum State {
        case climbing(previousRate: Double)
        case settled
        case probing(from: Int, rate: Double)
    }

    /// Workers allowed to insert at once now.
    private(set) var level: Int
    /// Changes with `level`; batches are tagged with it when taken.
    private(set) var epoch = 0
    /// Each window measured: the level and the rate it reached.
    private(set) var steps: [Step] = []
    let ceiling: Int
    let adaptive: Bool
    private var state = State.climbing(previousRate: 0)
    private var windowStart: Double
    private var windowBytes = 0
    private var windowBatches = 0
    private var settledRate = 0.0
    private var settledSince = 0.0
    private var probeUpNext = true

    init(_ parallelism: InsertionParallelism, now: Double) {
        ceiling = parallelism.ceiling
        switch parallelism {
        case .fixed(let workers):
            level = max(1, workers)
            adaptive = false
        case .adaptive:
            level = 1
            adaptive = true
        }
        windowStart = now
    }

    /// Levels in the order they were tried, each once (for the report).
    var levelsTried: [Int] {
        var seen: [Int] = []
        for step in steps where !seen.contains(step.level) { seen.append(step.level) }
        return seen
    }

    /// A batch of `bytes` taken in `batchEpoch` has been inserted.
    mutating func finished(bytes: Int, takenIn batchEpoch: Int, now: Double) {
        guard adaptive, batchEpoch == epoch else { return }
        windowBytes += bytes
        windowBatches += 1
        let elapsed = now - windowStart
        guard windowBatches >= max(Self.minimumBatches, 2 * level), elapsed >= Self.minimumSeconds else { return }
        let rate = Double(windowBytes) / elapsed
        steps.append(Step(level: level, bytesPerSecond: rate))
        switch state {
        case .climbing(let previousRate):
            if previousRate == 0 || rate >= previousRate * Self.gain {
                if level * 2 <= ceiling {
                    move(to: level * 2, state: .climbing(previousRate: rate), now: now)
                } else {
                    settle(at: level, rate: rate, now: now)
                }
            } else {
                // The doubling did not pay: back to the level before it.
                settle(at: max(1, level / 2), rate: previousRate, now: now)
            }
        case .settled:
            settledRate = rate
            if now - settledSince >= Self.probeInterval {
                probe(now: now)
            } else {
                newWindow(now)
            }
        case .probing(let from, let fromRate):
            if level > from {
                if rate >= fromRate * Self.gain {
                    // Up paid off: keep climbing from here.
                    if level * 2 <= ceiling {
                        move(to: level * 2, state: .climbing(previousRate: rate), now: now)
                    } else {
                        settle(at: level, rate: rate, now: now)
                    }
                } else {
                    settle(at: from, rate: fromRate, now: now)
                }
            } else {
                // Down: keep the smaller level unless it lost more than the margin.
                if rate * Self.gain >= fromRate {
                    settle(at: level, rate: rate, now: now)
                } else {
                    settle(at: from, rate: fromRate, now: now)
                }
            }
        }
    }

    private mutating func probe(now: Double) {
        let up = level * 2 <= ceiling
        let down = level > 1
        guard up || down else { settle(at: level, rate: settledRate, now: now); return }
        let goUp = up && (probeUpNext || !down)
        probeUpNext.toggle()
        move(to: goUp ? level * 2 : level / 2, state: .probing(from: level, rate: settledRate), now: now)
    }

    private mutating func settle(at newLevel: Int, rate: Double, now: Double) {
        settledRate = rate
        settledSince = now
        move(to: newLevel, state: .settled, now: now)
    }

    private mutating func move(to newLevel: Int, state newState: State, now: Double) {
        state = newState
        if newLevel != level {
            level = newLevel
            epoch += 1
        }
        newWindow(now)
    }

    private mutating func newWindow(_ now: Double) {
        windowStart = now
        windowBytes = 0
        windowBatches = 0
    }
}
