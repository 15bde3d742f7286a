/// How an artifact's bytes are compressed. The raw values are the names used
/// in `BACKUP_COMPRESSION` and in manifests.
public enum CompressionAlgorithm: String, Sendable, Codable, CaseIterable {
    case zstd
    case gzip
    case none

    /// The file-name suffix GNU tar and users expect (`files.tar.zst`).
    public var fileSuffix: String {
        switch self {
        case .zstd: return ".zst"
        case .gzip: return ".gz"
        case .none: return ""
        }
    }

    public var defaultLevel: Int {
        switch self {
        case .zstd: return 3
        case .gzip: return 6
        case .none: return 0
        }
    }

    public var levelRange: ClosedRange<Int> {
        switch self {
        case .zstd: return 1...19
        case .gzip: return 1...9
        case .none: return 0...0
        }
    }
}

public struct Compression: Sendable, Equatable {
    public var algorithm: CompressionAlgorithm
    public var level: Int
    /// Worker threads for the compressor; 0 means one per core, at most 4.
    public var threads: Int

    public init(algorithm: CompressionAlgorithm, level: Int? = nil, threads: Int = 0) {
        self.algorithm = algorithm
        self.level = level ?? algorithm.defaultLevel
        self.threads = threads
    }
}
