import Foundation

/// Builds the awkward trees restores must get right.
public enum TreeBuilder {
    public static func write(_ path: String, _ text: String, mode: mode_t = 0o644) {
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        chmod(path, mode)
    }

    public static func writeRandom(_ path: String, bytes: Int, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        var bytesArray = [UInt8](repeating: 0, count: bytes)
        for i in 0..<bytes { bytesArray[i] = UInt8(truncatingIfNeeded: generator.next()) }
        let data = Data(bytesArray)
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: data)
    }

    public static func setMTime(_ path: String, _ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// Modes, old and pre-1970 mtimes, symlinks (relative, absolute,
    /// dangling), hard links, empty folders, spaces, Arabic and emoji names,
    /// an empty file and a 2 MiB random file.
    public static func awkwardTree(at root: String) {
        let fm = FileManager.default
        try! fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        write(root + "/plain.txt", "plain\n")
        write(root + "/name with spaces.txt", "spaces\n", mode: 0o640)
        write(root + "/تقارير/ملف عربي.txt", "مرحبا بالعالم\n")
        write(root + "/emoji 📁/😀.md", "emoji\n", mode: 0o600)
        write(root + "/exec.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
        write(root + "/empty-file", "")
        writeRandom(root + "/deep/a/b/c/random.bin", bytes: 2 << 20, seed: 7)
        try! fm.createDirectory(atPath: root + "/empty folder/nested empty", withIntermediateDirectories: true)
        try! fm.createSymbolicLink(atPath: root + "/link-relative", withDestinationPath: "plain.txt")
        try! fm.createSymbolicLink(atPath: root + "/link-absolute", withDestinationPath: "/etc/hostname")
        try! fm.createSymbolicLink(atPath: root + "/link-dangling", withDestinationPath: "does/not/exist")
        link(root + "/plain.txt", root + "/deep/hardlink-to-plain")
        setMTime(root + "/plain.txt", 946_684_800)            // 2000-01-01
        setMTime(root + "/name with spaces.txt", -86_400)      // 1969-12-31
        setMTime(root + "/exec.sh", 1_700_000_000)
        chmod(root + "/deep/a", 0o750)
        chmod(root + "/empty folder", 0o700)
        // Folder times last: writing inside a folder changes its mtime.
        setMTime(root + "/empty folder", 1_600_000_000)
        setMTime(root + "/deep/a/b", 1_500_000_000)
    }
}

/// A small deterministic generator so test data is the same on every run.
public struct SplitMix64 {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
