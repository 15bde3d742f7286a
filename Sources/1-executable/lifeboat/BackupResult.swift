import Foundation
import LifeboatCore

/// `backup --json`: the set as written, its artifacts, where it is kept.
struct BackupResult: Encodable {
    struct Artifact: Encodable {
        let component: String
        let file: String
        let rawBytes: Int64
        let storedBytes: Int64
        let encrypted: Bool
    }
    let id: String
    let kind: String
    let parent: String?
    let base: String?
    let label: String?
    let startedAt: Date
    let finishedAt: Date
    let storedBytes: Int64
    let artifacts: [Artifact]
    let tiers: [String]
    let anomalies: [SizeAnomaly.Finding]
    /// Set when the set is complete locally but a copy to a remote tier failed.
    let copyFailed: String?

    init(_ manifest: Manifest, copyFailed: String?) {
        id = manifest.id.rawValue
        kind = manifest.kind.rawValue
        parent = manifest.parent?.rawValue
        base = manifest.base?.rawValue
        label = manifest.label
        startedAt = manifest.startedAt
        finishedAt = manifest.finishedAt
        storedBytes = manifest.storedBytes
        artifacts = manifest.artifacts.map { Artifact(component: $0.component.rawValue, file: $0.file, rawBytes: $0.rawBytes, storedBytes: $0.storedBytes, encrypted: $0.encryption != nil) }
        tiers = (manifest.copies ?? []).map(\.tier)
        anomalies = manifest.anomalies ?? []
        self.copyFailed = copyFailed
    }
}
