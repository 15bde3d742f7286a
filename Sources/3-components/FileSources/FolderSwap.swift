import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Restores a whole folder without ever leaving it half-restored: the
/// archive is extracted into a staging folder on the same filesystem, and
/// only when it extracted completely and verified is it swapped in. The
/// previous contents are kept beside it (never deleted by a restore).
///
/// When the folder is a mount point (a Docker volume), it cannot be renamed;
/// then staging and the kept previous contents live inside it, under names
/// the files backup skips.
public final class FolderSwap {
    public let target: String
    public let stagingPath: String
    private let previousPath: String
    private let isMountPoint: Bool
    private var committed = false

    /// Checks the target and creates the staging folder. A non-empty target
    /// is replaced only with `overwrite`.
    public init(target: String, tag: String, overwrite: Bool) throws {
        self.target = target
        let parent = (target as NSString).deletingLastPathComponent
        let base = (target as NSString).lastPathComponent
        var targetStatus = Glibc.stat()
        var parentStatus = Glibc.stat()
        let exists = lstat(target, &targetStatus) == 0
        if exists && (targetStatus.st_mode & S_IFMT) != S_IFDIR {
            throw FileSourceError(path: target, problem: "exists and is not a folder", hint: "move it away or restore with --to DIR", isRefusal: true)
        }
        if exists {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
            let visible = contents.filter { name in !TreeArchiver.reservedNamePrefixes.contains { name.hasPrefix($0) } }
            if !visible.isEmpty && !overwrite {
                throw FileSourceError(path: target, problem: "is not empty (\(visible.count) entries)",
                                      hint: "pass --overwrite to replace it (its current contents are kept aside), or restore with --to DIR", isRefusal: true)
            }
        } else {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        }
        isMountPoint = exists && stat(parent, &parentStatus) == 0 && parentStatus.st_dev != targetStatus.st_dev
        let stamp = Self.stamp()
        if isMountPoint {
            stagingPath = target + "/.lifeboat-staging-" + tag
            previousPath = target + "/.lifeboat-previous-" + stamp
        } else {
            stagingPath = parent + "/." + base + ".lifeboat-staging-" + tag
            previousPath = parent + "/" + base + ".lifeboat-previous-" + stamp
        }
        if FileManager.default.fileExists(atPath: stagingPath) {
            // Left by an interrupted restore; never part of anything live.
            try FileManager.default.removeItem(atPath: stagingPath)
        }
        if mkdir(stagingPath, 0o700) != 0 {
            throw FileSourceError(path: stagingPath, problem: "cannot create the staging folder: \(String(cString: strerror(errno)))")
        }
        // libarchive refuses to write through symlinks, so give it a real path.
        if let resolved = realpath(stagingPath, nil) {
            resolvedStaging = String(cString: resolved)
            free(resolved)
        } else {
            resolvedStaging = stagingPath
        }
    }

    /// The symlink-free path to extract into.
    public let resolvedStaging: String

    /// Swaps the staged tree in. Returns where the previous contents were
    /// kept, if there were any.
    @discardableResult
    public func commit() throws -> String? {
        committed = true
        let fm = FileManager.default
        if isMountPoint {
            let existing = try fm.contentsOfDirectory(atPath: target).filter { name in
                !TreeArchiver.reservedNamePrefixes.contains { name.hasPrefix($0) }
            }
            var kept: String?
            if !existing.isEmpty {
                try fm.createDirectory(atPath: previousPath, withIntermediateDirectories: false)
                for name in existing { try rename(target + "/" + name, previousPath + "/" + name) }
                kept = previousPath
            }
            for name in try fm.contentsOfDirectory(atPath: stagingPath) {
                try rename(stagingPath + "/" + name, target + "/" + name)
            }
            try fm.removeItem(atPath: stagingPath)
            return kept
        }
        var kept: String?
        if fm.fileExists(atPath: target) {
            let contents = try fm.contentsOfDirectory(atPath: target)
            if contents.isEmpty {
                try fm.removeItem(atPath: target)
            } else {
                try rename(target, previousPath)
                kept = previousPath
            }
        }
        try rename(stagingPath, target)
        // The staging folder was created 0700; the restored tree's own root
        // mode is not in the archive, so give it the usual folder mode.
        chmod(target, 0o755)
        return kept
    }

    /// Moves a folder's contents aside, where a restore would keep them,
    /// leaving it empty (a rebuild over existing data does this once, before
    /// its first restore, so that a resumed rebuild only ever replaces its
    /// own work). Returns where they went, or nil when it was empty.
    public static func setAside(_ target: String) throws -> String? {
        let fm = FileManager.default
        let contents = ((try? fm.contentsOfDirectory(atPath: target)) ?? []).filter { name in
            !TreeArchiver.reservedNamePrefixes.contains { name.hasPrefix($0) }
        }
        if contents.isEmpty { return nil }
        let parent = (target as NSString).deletingLastPathComponent
        var targetStatus = Glibc.stat()
        var parentStatus = Glibc.stat()
        let sameDevice = stat(target, &targetStatus) == 0 && stat(parent, &parentStatus) == 0 && parentStatus.st_dev == targetStatus.st_dev
        let kept = sameDevice ? parent + "/" + (target as NSString).lastPathComponent + ".lifeboat-previous-" + stamp()
            : target + "/.lifeboat-previous-" + stamp()
        do {
            try fm.createDirectory(atPath: kept, withIntermediateDirectories: false)
            for name in contents where Glibc.rename(target + "/" + name, kept + "/" + name) != 0 {
                throw FileSourceError(path: target + "/" + name, problem: "cannot be moved aside to \(kept): \(String(cString: strerror(errno)))")
            }
        } catch let error as FileSourceError {
            throw error
        } catch {
            throw FileSourceError(path: kept, problem: "cannot be created: \(error)")
        }
        return kept
    }

    /// Removes the staging folder (after a failed or refused restore).
    public func discard() {
        if !committed { try? FileManager.default.removeItem(atPath: stagingPath) }
    }

    private func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 {
            throw FileSourceError(path: from, problem: "cannot move it to \(to): \(String(cString: strerror(errno)))")
        }
    }

    private static func stamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date())
    }
}
