import LifeboatConfiguration
import Foundation

/// Decides which sets of one tier to keep, as a pure function of the sets,
/// the policy, the time and the time zone (so retention can be simulated
/// over months with an injected clock).
///
/// A set is kept when any rule keeps it: younger than `days`; among the
/// newest `keepLast`; the newest of one of the last `keepDaily` days (ISO
/// weeks, months) that have sets, as restic's `forget` counts them; the
/// newest set that passed verification; the newest set; or a set that a
/// kept set depends on (an incremental's parent, transitively).
public struct RetentionPlanner: Sendable {
    public struct Candidate: Sendable {
        public let id: BackupSetID
        public let time: Date
        public let verified: Bool
        public let parent: BackupSetID?
        /// Other sets it needs (a files delta's base), kept with it like the parent.
        public let alsoNeeds: [BackupSetID]
        public let storedBytes: Int64

        public init(id: BackupSetID, time: Date, verified: Bool, parent: BackupSetID? = nil, alsoNeeds: [BackupSetID] = [],
                    storedBytes: Int64 = 0) {
            self.alsoNeeds = alsoNeeds
            self.id = id
            self.time = time
            self.verified = verified
            self.parent = parent
            self.storedBytes = storedBytes
        }
    }

    public let policy: RetentionPolicy
    public let timeZone: TimeZone

    public init(policy: RetentionPolicy, timeZone: TimeZone) {
        self.policy = policy
        self.timeZone = timeZone
    }

    /// Reasons to keep each set; a set without any is deleted.
    public func reasons(for candidates: [Candidate], now: Date) -> [BackupSetID: [String]] {
        let newestFirst = candidates.sorted { ($0.time, $0.id.rawValue) > ($1.time, $1.id.rawValue) }
        var reasons: [BackupSetID: [String]] = [:]
        // A reason once per set (an incremental names its parent as its parent and as its base).
        func keep(_ id: BackupSetID, _ reason: String) { if reasons[id]?.contains(reason) != true { reasons[id, default: []].append(reason) } }

        if let newest = newestFirst.first { keep(newest.id, "newest set") }
        if let verified = newestFirst.first(where: \.verified) { keep(verified.id, "newest verified set") }
        let cutoff = now.addingTimeInterval(-Double(policy.days) * 86_400)
        for candidate in newestFirst where candidate.time >= cutoff { keep(candidate.id, "within \(policy.days) days") }
        for candidate in newestFirst.prefix(policy.keepLast) { keep(candidate.id, "keep-last \(policy.keepLast)") }

        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        let buckets: [(Int, String, (Date) -> String)] = [
            (policy.keepDaily, "daily", { d in let c = calendar.dateComponents([.year, .month, .day], from: d); return "\(c.year!)-\(c.month!)-\(c.day!)" }),
            (policy.keepWeekly, "weekly", { d in let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: d); return "\(c.yearForWeekOfYear!)-W\(c.weekOfYear!)" }),
            (policy.keepMonthly, "monthly", { d in let c = calendar.dateComponents([.year, .month], from: d); return "\(c.year!)-\(c.month!)" }),
        ]
        for (count, name, bucket) in buckets where count > 0 {
            var seen = Set<String>()
            for candidate in newestFirst {
                let key = bucket(candidate.time)
                if seen.contains(key) { continue }
                if seen.count == count { break }
                seen.insert(key)
                keep(candidate.id, "\(name) \(key)")
            }
        }

        // A kept set's chain stays whole.
        let byID = Dictionary(candidates.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var pending = newestFirst.filter { reasons[$0.id] != nil }
        var visited = Set<BackupSetID>()
        while let candidate = pending.popLast() {
            guard visited.insert(candidate.id).inserted else { continue }
            for id in ([candidate.parent].compactMap { $0 } + candidate.alsoNeeds) {
                guard let needed = byID[id] else { continue }
                keep(id, "parent of \(candidate.id)")
                pending.append(needed)
            }
        }
        return reasons
    }
}
