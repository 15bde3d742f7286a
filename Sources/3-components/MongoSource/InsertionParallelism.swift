/// How many connections insert a restore's documents at once: a fixed
/// number, or as many as the server turns into throughput (see
/// `ParallelismGovernor`), never more than `ceiling`.
public enum InsertionParallelism: Sendable, Equatable, CustomStringConvertible {
    case fixed(Int)
    case adaptive(ceiling: Int)

    /// The default: one server serializes writes (four streams are slower
    /// than one there), another gains from eight; only measuring tells.
    public static let automatic = InsertionParallelism.adaptive(ceiling: 8)

    public var ceiling: Int {
        switch self {
        case .fixed(let workers): return max(1, workers)
        case .adaptive(let ceiling): return max(1, ceiling)
        }
    }

    public var description: String {
        switch self {
        case .fixed(let workers): return "\(workers)"
        case .adaptive(let ceiling): return "auto (1 to \(ceiling))"
        }
    }
}
