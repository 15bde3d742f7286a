internal import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// One tar entry's metadata, independent of libarchive's handle.
public struct TarEntryHeader: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        /// A hard link to an earlier entry; carries no data.
        case hardlink(target: String)
        /// Devices, FIFOs and sockets: recorded but never restored as data.
        case other(mode: UInt32)
    }

    public var path: String
    public var kind: Kind
    public var permissions: UInt32
    public var size: Int64
    public var uid: Int64
    public var gid: Int64
    public var mtimeSeconds: Int64
    public var mtimeNanoseconds: Int

    public init(path: String, kind: Kind, permissions: UInt32, size: Int64, uid: Int64 = 0, gid: Int64 = 0,
                mtimeSeconds: Int64 = 0, mtimeNanoseconds: Int = 0) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
        self.size = size
        self.uid = uid
        self.gid = gid
        self.mtimeSeconds = mtimeSeconds
        self.mtimeNanoseconds = mtimeNanoseconds
    }

    /// Fills a libarchive entry; the caller owns it.
    func apply(to entry: OpaquePointer) {
        archive_entry_clear(entry)
        archive_entry_set_pathname_utf8(entry, path)
        archive_entry_set_perm(entry, mode_t(permissions & 0o7777))
        archive_entry_set_uid(entry, uid)
        archive_entry_set_gid(entry, gid)
        archive_entry_set_mtime(entry, time_t(mtimeSeconds), mtimeNanoseconds)
        switch kind {
        case .file:
            archive_entry_set_filetype(entry, carchive_ifreg())
            archive_entry_set_size(entry, size)
        case .directory:
            archive_entry_set_filetype(entry, carchive_ifdir())
            archive_entry_set_size(entry, 0)
        case .symlink(let target):
            archive_entry_set_filetype(entry, carchive_iflnk())
            archive_entry_set_symlink_utf8(entry, target)
            archive_entry_set_size(entry, 0)
        case .hardlink(let target):
            archive_entry_set_filetype(entry, carchive_ifreg())
            archive_entry_set_hardlink_utf8(entry, target)
            archive_entry_set_size(entry, 0)
        case .other(let mode):
            archive_entry_set_filetype(entry, UInt32(mode) & carchive_ifmt())
            archive_entry_set_size(entry, 0)
        }
    }

    /// Reads a libarchive entry. Names are taken as UTF-8 when the archive
    /// says so (pax), else as the raw bytes stored.
    init(_ entry: OpaquePointer) {
        func text(_ utf8: UnsafePointer<CChar>?, _ raw: UnsafePointer<CChar>?) -> String? {
            if let utf8 { return String(cString: utf8) }
            if let raw { return String(cString: raw) }
            return nil
        }
        path = text(archive_entry_pathname_utf8(entry), archive_entry_pathname(entry)) ?? ""
        permissions = UInt32(archive_entry_perm(entry))
        size = archive_entry_size(entry)
        uid = archive_entry_uid(entry)
        gid = archive_entry_gid(entry)
        mtimeSeconds = Int64(archive_entry_mtime(entry))
        mtimeNanoseconds = Int(archive_entry_mtime_nsec(entry))
        if let link = text(archive_entry_hardlink_utf8(entry), archive_entry_hardlink(entry)) {
            kind = .hardlink(target: link)
            return
        }
        let type = archive_entry_filetype(entry)
        if type == carchive_ifreg() {
            kind = .file
        } else if type == carchive_ifdir() {
            kind = .directory
        } else if type == carchive_iflnk() {
            kind = .symlink(target: text(archive_entry_symlink_utf8(entry), archive_entry_symlink(entry)) ?? "")
        } else {
            kind = .other(mode: UInt32(type))
        }
    }
}
