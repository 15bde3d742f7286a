import FileSources
import Foundation
import LifeboatConfiguration

/// The uploads in a rebuild: what the folder holds is set aside once (by
/// the empty check, with --force), so the uploads step only ever replaces
/// this rebuild's own work, even when it is resumed.
struct FilesRebuild: ComponentRebuild {
    var stepName: String { "uploads" }
    var order: Int { 2 }

    func existingData(_ settings: Settings) throws -> String? {
        guard let uploads = settings.uploadsDirectory else { return nil }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).filter { !$0.hasPrefix(".lifeboat-") }
        return entries.isEmpty ? nil : "\(uploads) holds \(entries.count) entries"
    }

    func setAside(_ settings: Settings) throws -> String? {
        guard let uploads = settings.uploadsDirectory else { return nil }
        return try FolderSwap.setAside(uploads).map { "the uploads' previous contents kept at \($0)" }
    }

    func plan(_ target: RebuildRun.Located, _ settings: Settings) -> String {
        "\(target.manifest.artifact(.files)?.tree?.files ?? 0) files → \(settings.uploadsDirectory ?? "?")"
    }

    func restore(_ target: RebuildRun.Located, in run: RebuildRun) throws -> String {
        let settings = run.settings
        if run.interrupted(stepName), let uploads = settings.uploadsDirectory, FileManager.default.fileExists(atPath: uploads) {
            // What is there is this rebuild's own (possibly complete) restore
            // from the interrupted run (anything older was set aside by the
            // empty check): replaced, not kept twice.
            for name in try FileManager.default.contentsOfDirectory(atPath: uploads) where !name.hasPrefix(".lifeboat-") {
                try FileManager.default.removeItem(atPath: uploads + "/" + name)
            }
        }
        let outcome = try run.restore(target, [.files], RestoreJob.Options(components: [.files], overwrite: true))
        let tree = target.manifest.artifact(.files)?.tree
        return "\(tree?.files ?? 0) files, \(tree?.directories ?? 0) folders → \(settings.uploadsDirectory!)"
            + (outcome.keptPrevious.isEmpty ? "" : "; previous contents kept at \(outcome.keptPrevious.joined(separator: ", "))")
    }

    func check(_ target: RebuildRun.Located, _ settings: Settings) throws -> String? {
        guard let tree = target.manifest.artifact(.files)?.tree, let uploads = settings.uploadsDirectory else { return nil }
        var files = 0
        if let walker = FileManager.default.enumerator(atPath: uploads) {
            while let path = walker.nextObject() as? String {
                if path.hasPrefix(".lifeboat-") { walker.skipDescendants(); continue }
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { files += 1 }
            }
        }
        return "uploads: \(files) files in \(uploads) (the set holds \(tree.files); every file's content was checked while extracting)"
    }
}
