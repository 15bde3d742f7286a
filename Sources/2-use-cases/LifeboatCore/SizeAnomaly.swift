import ByteStreams
import FileSources
import MongoSource
import RedisSource

/// The guide's daily check that "backup sizes are within the expected
/// range", done on every full set: a component whose stored size or count
/// (documents, keys, files) falls more than BACKUP_SIZE_DROP_PERCENT below
/// the median of the last 7 complete full sets holding it, or grows more
/// than tenfold, is an anomaly. An empty mount or a wrong database then
/// does not look like a good backup.
public enum SizeAnomaly {
    public static let window = 7

    /// One finding, as the manifest records it.
    public struct Finding: Codable, Sendable, Equatable, CustomStringConvertible {
        public var component: Component
        /// `bytes` (stored), `documents`, `keys` or `files`.
        public var measure: String
        public var value: Int64
        public var median: Int64
        /// How many earlier full sets the median is of.
        public var sets: Int
        /// The threshold crossed: `drop` (BACKUP_SIZE_DROP_PERCENT below) or `growth` (tenfold).
        public var change: String
        public var dropPercent: Int

        public var description: String {
            "\(component.rawValue): \(Self.describe(measure, value)), the median of the last \(sets) full set(s) is \(Self.describe(measure, median))"
                + (change == "drop" ? " (more than \(dropPercent)% less)" : " (more than tenfold)")
        }

        static func describe(_ measure: String, _ value: Int64) -> String {
            measure == "bytes" ? "\(ByteCount.describe(value)) stored" : "\(value) \(measure)"
        }
    }

    /// The anomalies of `manifest` against `earlier` sets (oldest first).
    public static func find(_ manifest: Manifest, earlier: [Manifest], dropPercent: Int) -> [Finding] {
        guard manifest.kind == .full else { return [] }
        var found: [Finding] = []
        for artifact in manifest.artifacts {
            let history = earlier.filter { $0.kind == .full }.compactMap { $0.artifact(artifact.component) }.suffix(window)
            guard !history.isEmpty else { continue }
            for (measure, value) in measures(artifact) {
                let past = history.compactMap { measures($0).first { $0.0 == measure }?.1 }
                guard !past.isEmpty else { continue }
                let median = past.sorted()[past.count / 2]
                guard median > 0 else { continue }
                let finding = { (change: String) in
                    Finding(component: artifact.component, measure: measure, value: value, median: median, sets: past.count, change: change, dropPercent: dropPercent)
                }
                if Double(value) < Double(median) * (1 - Double(dropPercent) / 100) {
                    found.append(finding("drop"))
                } else if value > median * 10 {
                    found.append(finding("growth"))
                }
            }
        }
        return found
    }

    private static func measures(_ artifact: Manifest.Artifact) -> [(String, Int64)] {
        var result: [(String, Int64)] = [("bytes", artifact.storedBytes)]
        if let mongo = artifact.mongo { result.append(("documents", Int64(mongo.documentCount))) }
        if let redis = artifact.redis { result.append(("keys", Int64(redis.totalKeys))) }
        if let tree = artifact.tree, artifact.delta != true { result.append(("files", Int64(tree.files))) }
        return result
    }
}
