import ByteStreams
import FileSources
import Foundation
import LifeboatConfiguration
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// `restore SET --include GLOB`: only the chosen entries of the files and
/// config trees come back, to their place (UPLOADS_DIR, the config paths)
/// or under `--to DIR` (DIR/files, DIR/config). Everything is read and
/// checked into a staging folder first; before anything is placed, every
/// destination is looked at and an entry that exists is refused without
/// `--overwrite` (naming it); entries are then moved in one by one
/// (renamed over the old file: a reader sees the old file or the new, never
/// half). Nothing outside the chosen entries is touched.
public struct SelectiveRestore {
    public struct Options: Sendable {
        public var patterns: [PathPattern]
        public var components: [Component]?
        public var destination: String?
        public var overwrite: Bool

        public init(patterns: [PathPattern], components: [Component]?, destination: String?, overwrite: Bool) {
            self.patterns = patterns
            self.components = components
            self.destination = destination
            self.overwrite = overwrite
        }
    }

    public struct Placed: Sendable {
        public var component: Component
        public var root: String
        public var files: Int
        public var folders: Int
        public var links: Int
        public var bytes: Int64
        public var replaced: Int
    }

    public struct Outcome: Sendable {
        public var id: BackupSetID
        public var tier: String
        public var placed: [Placed]
        /// Stored bytes read from the tier.
        public var transferred: Int64
        /// Whether every artifact read was hash-checked whole (else: frames, tags and sizes).
        public var wholeArtifactsChecked: Bool
    }

    let settings: Settings
    let tier: any StorageTier
    let console: Console

    public init(settings: Settings, tier: any StorageTier, console: Console) {
        self.settings = settings
        self.tier = tier
        self.console = console
    }

    /// The components --include applies to.
    public static let components: [Component] = [.files, .config]

    public func run(_ manifest: Manifest, options: Options) throws -> Outcome {
        if let asked = options.components, let other = asked.first(where: { !Self.components.contains($0) }) {
            throw LifeboatError.usage("--include takes entries of files and config; \(other.rawValue) has none",
                                      hint: "restore \(other.rawValue) on its own: lifeboat restore \(manifest.id) --components \(other.rawValue)")
        }
        let encryption = try Encryption(settings)
        let trees = TreeEntries(tier: tier, encryption: encryption)
        let selected = SelectedEntries(tier: tier, catalog: SetCatalog(tier: tier), encryption: encryption)
        var work: [(component: Component, root: String, chosen: [TreeIndexEntry], tree: TreeEntries.Listing)] = []
        for component in Self.components where manifest.artifact(component) != nil && (options.components?.contains(component) ?? true) {
            let tree = try trees.listing(manifest, component)
            let chosen = SelectedEntries.choose(tree.entries) { path in options.patterns.contains { $0.selects(path) } }
            if !chosen.isEmpty { work.append((component, try root(component, manifest, options), chosen, tree)) }
        }
        guard !work.isEmpty else {
            let patterns = options.patterns.map { "'\($0)'" }.joined(separator: ", ")
            throw LifeboatError.usage("no entry of set \(manifest.id) matches \(patterns)",
                                      hint: "`lifeboat ls \(manifest.id)` lists what it holds; `lifeboat find '\(options.patterns[0])'` finds the sets that have it")
        }
        // Every destination is looked at before anything is read or written.
        var conflicts: [String] = []
        var blocked: [String] = []
        for (_, root, chosen, _) in work {
            var checkedFolders: Set<String> = []
            for entry in chosen {
                var st = Glibc.stat()
                let path = root == "/" ? "/" + entry.path : root + "/" + entry.path
                // No folder on the way may be a symlink: placing through it
                // would write outside the destination.
                var folder = Substring(entry.path)
                while let slash = folder.lastIndex(of: "/") {
                    folder = folder[..<slash]
                    let on = (root == "/" ? "/" : root + "/") + folder
                    guard checkedFolders.insert(on).inserted else { break }
                    if lstat(on, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
                        blocked.append("\(on) is a symlink here, the set has a folder")
                    }
                }
                guard lstat(path, &st) == 0 else { continue }
                let isFolder = (st.st_mode & S_IFMT) == S_IFDIR
                if entry.type == .directory {
                    if !isFolder { blocked.append("\(path) is not a folder here, the set has a folder") }
                } else if isFolder {
                    blocked.append("\(path) is a folder here, the set has a \(entry.type == .symlink ? "symlink" : "file")")
                } else {
                    conflicts.append(path)
                }
            }
        }
        if !blocked.isEmpty {
            throw LifeboatError.usage("cannot restore over what is in the way: " + blocked.prefix(5).joined(separator: "; ") + (blocked.count > 5 ? "; … (\(blocked.count) in all)" : ""),
                                      hint: "move it aside, or restore under another folder: lifeboat restore \(manifest.id) \(includeArguments(options)) --to /tmp/restore")
        }
        if !conflicts.isEmpty && !options.overwrite {
            throw LifeboatError.usage("restoring would replace \(conflicts.count) existing entr\(conflicts.count == 1 ? "y" : "ies"): "
                                        + conflicts.prefix(5).joined(separator: ", ") + (conflicts.count > 5 ? ", …" : "") + "; nothing was changed",
                                      hint: "to replace them: lifeboat restore \(manifest.id) \(includeArguments(options))\(options.destination.map { " --to \($0)" } ?? "") --overwrite; to compare first: --to /tmp/restore")
        }
        var outcome = Outcome(id: manifest.id, tier: tier.name, placed: [], transferred: 0, wholeArtifactsChecked: true)
        var staged: [(component: Component, root: String, staging: String, result: SelectedEntries.Result)] = []
        defer { for item in staged { try? FileManager.default.removeItem(atPath: item.staging) } }
        for (component, root, chosen, tree) in work {
            let staging = try stagingFolder(for: root, manifest.id)
            do {
                let result = try selected.extract(chosen, from: tree, of: manifest, component, into: staging)
                staged.append((component, root, staging, result))
                outcome.transferred += result.transferred
                outcome.wholeArtifactsChecked = outcome.wholeArtifactsChecked && result.wholeArtifactsChecked
            } catch {
                try? FileManager.default.removeItem(atPath: staging)
                throw error
            }
        }
        // Everything read and checked: now placed.
        for item in staged {
            outcome.placed.append(try place(item.result.entries, from: item.staging, into: item.root, component: item.component))
        }
        return outcome
    }

    private func includeArguments(_ options: Options) -> String {
        options.patterns.map { "--include '\($0.text)'" }.joined(separator: " ")
    }

    private func root(_ component: Component, _ manifest: Manifest, _ options: Options) throws -> String {
        if component == .config { return options.destination.map { $0 + "/config" } ?? "/" }
        if let destination = options.destination { return destination + "/files" }
        if let uploads = settings.uploadsDirectory { return uploads }
        if let original = manifest.artifact(.files)?.tree?.sourcePaths.first { return original }
        throw LifeboatError.usage("cannot tell where to restore the files", hint: "set UPLOADS_DIR or pass --to DIR")
    }

    /// A staging folder on the destination's file system when it can be
    /// made there (the move is then a rename), else in BACKUP_DIR.
    private func stagingFolder(for root: String, _ id: BackupSetID) throws -> String {
        let name = ".lifeboat-staging-include-\(id)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        if root != "/" {
            try LocalTier.makeDirectories(root)
            if mkdir(root + "/" + name, 0o700) == 0 { return root + "/" + name }
        }
        let fallback = settings.backupDirectory + "/" + name
        try LocalTier.makeDirectories(settings.backupDirectory)
        guard mkdir(fallback, 0o700) == 0 else { throw SystemCallError("create", path: fallback) }
        return fallback
    }

    /// Moves each staged entry to its place, parents first; folders that
    /// exist are kept (only the chosen entries inside them change).
    private func place(_ entries: [TreeIndexEntry], from staging: String, into root: String, component: Component) throws -> Placed {
        var placed = Placed(component: component, root: root, files: 0, folders: 0, links: 0, bytes: 0, replaced: 0)
        let prefix = root == "/" ? "" : root
        var madeFolders: [TreeIndexEntry] = []
        for entry in entries.sorted(by: { $0.path.count < $1.path.count || ($0.path.count == $1.path.count && $0.path < $1.path) }) {
            let destination = prefix + "/" + entry.path
            let parent = (destination as NSString).deletingLastPathComponent
            try LocalTier.makeDirectories(parent)
            if entry.type == .directory {
                var st = Glibc.stat()
                if lstat(destination, &st) != 0 {
                    guard mkdir(destination, mode_t(entry.mode & 0o7777)) == 0 else { throw SystemCallError("create", path: destination) }
                    madeFolders.append(entry)
                }
                placed.folders += 1
                continue
            }
            var st = Glibc.stat()
            let existed = lstat(destination, &st) == 0
            try move(staging + "/" + entry.path, to: destination)
            if existed { placed.replaced += 1 }
            if entry.type == .symlink { placed.links += 1 } else { placed.files += 1; placed.bytes += entry.size }
        }
        // Folders made here get their recorded mode and time, deepest first.
        for entry in madeFolders.sorted(by: { $0.path.count > $1.path.count }) {
            let path = prefix + "/" + entry.path
            chmod(path, mode_t(entry.mode & 0o7777))
            entry.applyTime(to: path)
        }
        return placed
    }

    /// A rename; across file systems, a copy to a temporary name in the
    /// destination's folder, renamed over it (the same atomic replace).
    private func move(_ source: String, to destination: String) throws {
        if rename(source, destination) == 0 { return }
        guard errno == EXDEV else { throw SystemCallError("move into place", path: destination) }
        let temporary = destination + ".lifeboat-tmp-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
            var st = Glibc.stat()
            if lstat(source, &st) == 0 && (st.st_mode & S_IFMT) != S_IFLNK {
                chmod(temporary, st.st_mode & 0o7777)
                var times = [st.st_atim, st.st_mtim]
                _ = utimensat(AT_FDCWD, temporary, &times, 0)
                if geteuid() == 0 { _ = chown(temporary, st.st_uid, st.st_gid) }
            }
            guard rename(temporary, destination) == 0 else { throw SystemCallError("move into place", path: destination) }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
