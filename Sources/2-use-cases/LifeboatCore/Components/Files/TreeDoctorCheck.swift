import ByteStreams
import LifeboatConfiguration
import FileSources
import Foundation

/// Files and config: each folder or file exists, this process (the
/// service's user) can read all of it, and it is not empty where the
/// newest set had content.
enum TreeCheck {
    static func files(_ context: DoctorContext) -> [DoctorFinding] {
        guard let uploads = context.settings.uploadsDirectory else {
            return [DoctorFinding("files", "configured", .notChecked, "UPLOADS_DIR is not set: no uploads folder is backed up")]
        }
        return check("files", "UPLOADS_DIR", [uploads], last: context.newestArtifact(.files)?.tree, skip: context.settings.skipUnreadable)
    }

    static func config(_ context: DoctorContext) -> [DoctorFinding] {
        let settings = context.settings
        guard !settings.configPaths.isEmpty else {
            return [DoctorFinding("config", "configured", .notChecked, "CONFIG_PATHS is not set: no config files are backed up")]
        }
        return check("config", "CONFIG_PATHS", settings.configPaths, last: context.newestArtifact(.config)?.tree, skip: settings.skipUnreadable)
    }

    static func check(_ area: String, _ variable: String, _ paths: [String], last: TreeSummary?, skip: Bool) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        var files = 0
        var bytes: Int64 = 0
        for path in paths {
            let tree = TreeReadability.check(path)
            guard tree.exists else {
                findings.append(DoctorFinding(area, "exists", .fail, "\(variable): \(path) does not exist",
                                              fix: "mount it into the backup container (read-only is enough), or remove it from \(variable)"))
                continue
            }
            files += tree.files
            bytes += tree.bytes
            if tree.unreadableCount > 0 {
                let named = tree.unreadable.joined(separator: ", ") + (tree.unreadableCount > tree.unreadable.count ? " and \(tree.unreadableCount - tree.unreadable.count) more" : "")
                findings.append(DoctorFinding(area, "readable", skip ? .warn : .fail,
                                              "\(tree.unreadableCount) entries of \(path) cannot be read by uid \(getuid()): \(named)"
                                                + (skip ? " (BACKUP_SKIP_UNREADABLE=true: backups leave them out)" : ": the next backup fails"),
                                              fix: "make them readable by uid \(getuid()) (chmod/chown, or run the service as their owner)" + (skip ? "" : "; or set BACKUP_SKIP_UNREADABLE=true to back up the rest")))
            }
        }
        guard findings.allSatisfy({ $0.check != "exists" }) else { return findings }
        if files == 0, let last, last.files > 0 {
            findings.append(DoctorFinding(area, "content", .warn, "\(variable) holds no files; the newest set had \(last.files) files (\(ByteCount.describe(last.bytes)))",
                                          fix: "is the volume mounted? An empty mount point looks like an empty folder"))
        } else {
            findings.append(DoctorFinding(area, "content", .ok, "\(variable): \(files) files, \(ByteCount.describe(bytes))"
                                          + (last.map { " (the newest set had \($0.files) files, \(ByteCount.describe($0.bytes)))" } ?? "")))
        }
        return findings
    }
}
