import ByteStreams
import Configuration
import FileSources
import Foundation
import LifeboatCrypto
import Storage

/// Takes one backup set.
///
/// Write order (docs/format.md): each artifact is streamed to a temporary
/// object and committed (fsync + rename on the local tier); only after
/// every artifact is committed is `manifest.json` written the same way.
/// Until then the set is incomplete: never listed, restored or verified,
/// and removed by the next backup or prune.
public struct BackupJob: Sendable {
    public let settings: Settings
    public let tier: LocalTier
    public let console: Console
    public let now: @Sendable () -> Date

    public init(settings: Settings, console: Console = .standardError, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.tier = LocalTier(root: settings.backupDirectory)
        self.console = console
        self.now = now
    }

    /// The components configured in the environment, for a backup with no
    /// `--components`.
    public static func configuredComponents(_ settings: Settings) -> [Component] {
        var components: [Component] = []
        if settings.uploadsDirectory != nil { components.append(.files) }
        if !settings.configPaths.isEmpty { components.append(.config) }
        return components
    }

    public func run(components requested: [Component]?, label: String? = nil) throws -> Manifest {
        let components = try checkedComponents(requested)
        do {
            try LocalTier.makeDirectories(settings.backupDirectory)
        } catch {
            throw LifeboatError.wrap(error, doing: "creating BACKUP_DIR \(settings.backupDirectory)")
        }
        let lock = try BackupLock(directory: settings.backupDirectory, purpose: "backup")
        defer { withExtendedLifetime(lock) {} }

        try removeIncompleteSets()

        let startedAt = now()
        let id = BackupSetID.make(at: startedAt, kind: .full)
        console.info("backup \(id): \(components.map(\.rawValue).joined(separator: ", ")) → \(tier.location)")
        var artifacts: [Manifest.Artifact] = []
        do {
            for component in components {
                artifacts.append(try backUp(component, into: id))
            }
            let manifest = Manifest(
                formatVersion: Manifest.currentFormatVersion, tool: .init(name: "lifeboat", version: LifeboatVersion.current),
                id: id, kind: .full, label: label, startedAt: startedAt, finishedAt: now(),
                host: ProcessInfo.processInfo.hostName, artifacts: artifacts)
            try tier.put(key: "\(id)/\(Manifest.fileName)", bytes: try manifest.encoded())
            console.info("backup \(id) complete: \(manifest.artifacts.count) artifacts, \(manifest.storedBytes) bytes stored")
            return manifest
        } catch {
            // Nothing of a failed set may remain: it would only be cleaned later.
            try? tier.deleteAll(prefix: id.rawValue)
            throw LifeboatError.wrap(error, doing: "backup \(id)")
        }
    }

    private func checkedComponents(_ requested: [Component]?) throws -> [Component] {
        let components = requested ?? Self.configuredComponents(settings)
        if components.isEmpty {
            throw LifeboatError.usage("nothing to back up: no component is configured",
                                      hint: "set UPLOADS_DIR (component 'files') and/or CONFIG_PATHS (component 'config')")
        }
        for component in components {
            switch component {
            case .files where settings.uploadsDirectory == nil:
                throw LifeboatError.usage("component 'files' needs UPLOADS_DIR", hint: "set UPLOADS_DIR to the absolute path of the uploads folder")
            case .config where settings.configPaths.isEmpty:
                throw LifeboatError.usage("component 'config' needs CONFIG_PATHS", hint: "set CONFIG_PATHS to a comma-separated list of absolute paths")
            default: continue
            }
        }
        return components
    }

    func removeIncompleteSets() throws {
        for id in try SetCatalog(tier: tier).list().incomplete {
            console.warn("removing incomplete set \(id) (an interrupted backup)")
            try tier.deleteAll(prefix: id.rawValue)
        }
    }

    private func backUp(_ component: Component, into id: BackupSetID) throws -> Manifest.Artifact {
        let compression = settings.compression
        let file = TreeArtifact.fileName(component: component.rawValue, compression: compression.algorithm)
        let upload = try tier.beginUpload(key: "\(id)/\(file)")
        do {
            // Hashing and writing run on their own thread, so reading and
            // compressing never wait for the disk.
            let hashing = try HashingSink(upload)
            let handoff = ThreadedSink(hashing)
            let contents: TreeArtifact.Contents
            switch component {
            case .files: contents = .folderContents(settings.uploadsDirectory!)
            case .config: contents = .paths(settings.configPaths)
            }
            let warn = console.warn
            let result: TreeArtifact.WriteResult
            do {
                result = try TreeArtifact.write(contents, to: handoff, compression: compression,
                                                skipUnreadable: settings.skipUnreadable, warn: { warn($0) })
                try handoff.close()
            } catch {
                handoff.cancel()
                throw error
            }
            let digest = try hashing.finalizeHex()
            try upload.commit()
            console.info("  \(component.rawValue): \(result.summary.countsDescription) → \(file) (\(hashing.count) bytes)")
            return Manifest.Artifact(component: component, file: file, format: "tar", compression: compression.algorithm,
                                     compressionLevel: compression.algorithm == .none ? nil : compression.level,
                                     rawBytes: result.rawBytes, storedBytes: Int64(hashing.count), sha256: digest, tree: result.summary)
        } catch {
            upload.abort()
            throw error
        }
    }
}
