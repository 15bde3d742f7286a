import LifeboatConfiguration
import Foundation
import S3Storage
import Storage

/// Requests the restore of a set's artifacts from an archive storage class
/// (GLACIER, DEEP_ARCHIVE), so they can be verified or restored once S3 has
/// made the temporary copies (hours, depending on the retrieval tier).
public struct Thawer: Sendable {
    public let settings: Settings
    public let tier: S3Tier

    public init(settings: Settings, tier: S3Tier) {
        self.settings = settings
        self.tier = tier
    }

    /// The archive class its artifacts are in, for messages.
    public var storageClass: String { tier.storageClass ?? settings.storage.glacierStorageClass }

    public struct ArtifactState: Sendable, Codable {
        public let file: String
        public let state: String
    }

    /// Asks for each archived artifact's restore; returns every artifact's state.
    public func thaw(_ manifest: Manifest, request: Bool = true) throws -> [ArtifactState] {
        var states: [ArtifactState] = []
        for artifact in manifest.artifacts {
            let key = "\(manifest.id)/\(artifact.file)"
            do {
                guard var state = try tier.archiveState(key: key) else {
                    throw LifeboatError(.failure, "\(key) is missing from the \(tier.name) tier (\(tier.location))",
                                        hint: "`lifeboat verify \(manifest.id) --from \(tier.name)` checks the whole set")
                }
                if state == .archived && request {
                    state = try tier.requestRestore(key: key, days: settings.storage.glacierRestoreDays, retrieval: settings.storage.glacierRetrieval)
                }
                states.append(ArtifactState(file: artifact.file, state: state.rawValue))
            } catch {
                throw LifeboatError.wrap(error, doing: "thawing \(key)")
            }
        }
        return states
    }
}
