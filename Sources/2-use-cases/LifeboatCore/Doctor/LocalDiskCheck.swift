import ByteStreams
import LifeboatConfiguration
import Foundation

/// The local tier: writable, room for the next set (and one more in
/// flight), what filesystem it is, and whether it shares a disk with the
/// data it protects.
enum LocalDiskCheck {
    static func findings(_ context: DoctorContext) -> [DoctorFinding] {
        let settings = context.settings
        let directory = settings.backupDirectory
        guard settings.storage.keepLocal else {
            return [DoctorFinding("local", "tier", .ok, "BACKUP_LOCAL=false: sets go to the remote tiers only (BACKUP_DIR \(directory) holds the lock and state)")]
        }
        var findings: [DoctorFinding] = []
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [DoctorFinding("local", "BACKUP_DIR", .fail, "\(directory) does not exist",
                                  fix: "mount the backup volume at \(directory) (docker-compose.prod.yml: backup-data:/backup), or set BACKUP_DIR")]
        }
        let probe = directory + "/.lifeboat-doctor-\(getpid())"
        if FileManager.default.createFile(atPath: probe, contents: Data("probe\n".utf8)) {
            try? FileManager.default.removeItem(atPath: probe)
            findings.append(DoctorFinding("local", "BACKUP_DIR", .ok, "\(directory) is writable (uid \(getuid()))"))
        } else {
            findings.append(DoctorFinding("local", "BACKUP_DIR", .fail, "\(directory) is not writable by uid \(getuid()): \(String(cString: strerror(errno)))",
                                          fix: "chown the volume to the service's user, or run the service as its owner (user: in the compose file)"))
        }
        var space = statvfs()
        if statvfs(directory, &space) == 0 {
            let free = Int64(space.f_bavail) * Int64(space.f_frsize)
            if let newest = context.newest {
                let size = newest.storedBytes
                let status: DoctorFinding.Status = free < size ? .fail : free < 2 * size ? .warn : .ok
                findings.append(DoctorFinding("local", "free space", status,
                                              "\(ByteCount.describe(free)) free; the newest full set \(newest.id) is \(ByteCount.describe(size))",
                                              fix: "free or add space: a backup needs room for its set, and for a second one while the service copies or verifies"))
            } else {
                findings.append(DoctorFinding("local", "free space", .ok, "\(ByteCount.describe(free)) free (no set yet to compare with)"))
            }
        }
        if let mount = MountTable.mount(containing: directory) {
            let ephemeral = ["overlay", "tmpfs", "aufs"].contains(mount.type)
            findings.append(DoctorFinding("local", "filesystem", ephemeral ? .warn : .ok,
                                          "\(directory) is on \(mount.type) (\(mount.source) at \(mount.point))",
                                          fix: mount.type == "tmpfs" ? "BACKUP_DIR is in memory: mount a disk volume there"
                                                                     : "BACKUP_DIR is in the container's own layer, lost with the container: mount a volume there"))
        }
        var backupInfo = stat()
        if stat(directory, &backupInfo) == 0 {
            let protected = [("UPLOADS_DIR", settings.uploadsDirectory)] + settings.configPaths.map { ("CONFIG_PATHS", Optional($0)) }
            let shared = protected.compactMap { variable, path -> String? in
                var info = stat()
                guard let path, stat(path, &info) == 0, info.st_dev == backupInfo.st_dev else { return nil }
                return "\(variable) \(path)"
            }
            if !shared.isEmpty {
                let remote = context.tiers?.remote.isEmpty == false
                findings.append(DoctorFinding("local", "separate disk", .warn,
                                              "BACKUP_DIR is on the same filesystem as \(shared.joined(separator: ", ")): one disk loss takes the data and its local backups"
                                                + (remote ? " (the remote tiers still hold copies)" : ", and no remote tier is configured"),
                                              fix: remote ? "mount BACKUP_DIR from another disk; until then the S3 copy is the only one that survives the disk"
                                                          : "mount BACKUP_DIR from another disk, and set AWS_S3_BUCKET for an off-site copy"))
            }
        }
        return findings
    }
}

/// /proc/self/mountinfo: which mount a path is on (the longest mount point
/// that is a prefix of it).
enum MountTable {
    struct Mount { let point: String; let type: String; let source: String }

    static func mount(containing path: String) -> Mount? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        let resolved = (path as NSString).resolvingSymlinksInPath
        var best: Mount?
        for line in text.split(separator: "\n") {
            // id parent major:minor root mount-point options [optional...] - type source super-options
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { continue }
            let point = fields[4].replacingOccurrences(of: "\\040", with: " ")
            let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? -1) {
                best = Mount(point: point, type: fields[dash + 1], source: fields[dash + 2])
            }
        }
        return best
    }
}
