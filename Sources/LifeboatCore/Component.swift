import ByteStreams
import Foundation

/// What a set can hold. Each is one artifact in the set.
public enum Component: String, Codable, Sendable, CaseIterable, Comparable {
    case mongo
    case redis
    case files
    case config

    /// The artifact's file name for a compression, e.g. `files.tar.zst`.
    public func fileName(_ compression: CompressionAlgorithm) -> String {
        switch self {
        case .mongo: return "mongo.archive" + compression.fileSuffix
        case .redis: return "redis.rdb" + compression.fileSuffix
        case .files, .config: return rawValue + ".tar" + compression.fileSuffix
        }
    }

    /// The artifact's format name in the manifest.
    public var format: String {
        switch self {
        case .mongo: return "mongodump-archive"
        case .redis: return "rdb"
        case .files, .config: return "tar"
        }
    }

    public static func < (a: Component, b: Component) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses `files,config`, naming the bad item and the valid ones.
    public static func parseList(_ text: String) throws -> [Component] {
        var result: [Component] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let component = Component(rawValue: item.lowercased()) else {
                throw LifeboatError.usage("unknown component '\(item)'", hint: "valid components: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !result.contains(component) { result.append(component) }
        }
        if result.isEmpty { throw LifeboatError.usage("--components is empty", hint: "name at least one of \(allCases.map(\.rawValue).joined(separator: ", "))") }
        return result.sorted()
    }
}
