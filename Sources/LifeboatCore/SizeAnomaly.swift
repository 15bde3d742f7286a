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

    /// The anomalies of `manifest` against `earlier` sets (oldest first).
    public static func find(_ manifest: Manifest, earlier: [Manifest], dropPercent: Int) -> [String] {
        guard manifest.kind == .full else { return [] }
        var found: [String] = []
        for artifact in manifest.artifacts {
            let history = earlier.filter { $0.kind == .full }.compactMap { $0.artifact(artifact.component) }.suffix(window)
            guard !history.isEmpty else { continue }
            for (measure, value) in measures(artifact) {
                let past = history.compactMap { measures($0).first { $0.0 == measure }?.1 }
                guard !past.isEmpty else { continue }
                let median = past.sorted()[past.count / 2]
                guard median > 0 else { continue }
                if Double(value) < Double(median) * (1 - Double(dropPercent) / 100) {
                    found.append("\(artifact.component.rawValue): \(describe(measure, value)), the median of the last \(past.count) full set(s) is \(describe(measure, median)) (more than \(dropPercent)% less)")
                } else if value > median * 10 {
                    found.append("\(artifact.component.rawValue): \(describe(measure, value)), the median of the last \(past.count) full set(s) is \(describe(measure, median)) (more than tenfold)")
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

    private static func describe(_ measure: String, _ value: Int64) -> String {
        measure == "bytes" ? "\(ByteCount.describe(value)) stored" : "\(value) \(measure)"
    }
}
