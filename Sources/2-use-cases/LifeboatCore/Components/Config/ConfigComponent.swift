import ByteStreams
import FileSources
import Foundation
import LifeboatConfiguration

extension Component {
    /// Config files and folders (CONFIG_PATHS), as a tar of absolute paths.
    public static let config = Component(registered: "config")
}

/// Config files (.env, nginx.conf, the compose file): a tar of the listed
/// paths, restored to the same absolute paths (or under `--to`).
struct ConfigComponent: ComponentHandler {
    var component: Component { .config }
    var fileStem: String { "config.tar" }
    var format: String { "tar" }
    var configureHint: String { "set CONFIG_PATHS to a comma-separated list of absolute paths" }
    /// A rebuild writes config over the new server's files only when asked.
    var rebuildRole: RebuildRole { .onRequest }

    var rebuild: (any ComponentRebuild)? { ConfigRebuild() }

    func isConfigured(_ settings: Settings) -> Bool { !settings.configPaths.isEmpty }
    /// Restored to the paths it came from.
    func hasRestoreTarget(_ settings: Settings) -> Bool { true }

    func backUp(_ backup: ComponentBackup, into sink: any ByteSink, artifact: inout Manifest.Artifact) throws {
        artifact.tree = try TreeArtifact.write(.paths(backup.settings.configPaths), to: sink, skipUnreadable: backup.settings.skipUnreadable,
                                               warn: backup.warn).summary
    }

    func describe(_ artifact: Manifest.Artifact) -> String { TreeContents.describe(artifact) }

    func checkContents(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String] {
        try TreeContents.check(artifact, from: source)
    }

    func reachability(_ settings: Settings) -> (reachable: Bool, detail: String)? {
        guard !settings.configPaths.isEmpty else { return nil }
        let missing = settings.configPaths.filter { !FileManager.default.isReadableFile(atPath: $0) }
        return missing.isEmpty ? (true, "\(settings.configPaths.count) path(s) readable") : (false, "missing or unreadable: \(missing.joined(separator: ", "))")
    }

    func doctorFindings(_ context: DoctorContext) -> [DoctorFinding] { TreeCheck.config(context) }

    func prepareRestore(_ restore: ComponentRestore) throws -> any PreparedRestore {
        try ConfigRestore.prepare(restore)
    }
}
