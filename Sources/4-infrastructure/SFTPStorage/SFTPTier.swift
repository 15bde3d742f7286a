import ByteStreams
import Foundation
import HTTPClient
import Storage

/// A tier in a folder on an SFTP server (the "other server", or an
/// offline copy's host), through libcurl's SFTP: key authentication only,
/// the host key checked against a known_hosts file before anything is
/// sent. Keys map to paths below the folder; an object is written under a
/// hidden temporary name and renamed into place, so it is whole under its
/// name or absent.
public struct SFTPTier: StorageTier {
    public let name: String
    let place: SFTPLocation
    let connections: SFTPConnections

    public var location: String { place.display }
    public var pricingClass: String { "SFTP" }

    public init(name: String, location: SFTPLocation, login: SFTPLogin, maxAttempts: Int = 3) {
        self.name = name
        self.place = location
        self.connections = SFTPConnections(login: login, server: location.display, maxAttempts: maxAttempts)
    }

    static let temporaryMarker = LocalTier.temporaryMarker

    /// Forgets which servers were found down (a test that brings one back up).
    public static func forgetUnreachableServers() { UnreachableServers.forgetAll() }

    func path(_ key: String) throws -> String {
        try StorageKey.validate(key)
        return place.path(key)
    }

    public func beginUpload(key: String) throws -> any ObjectUpload {
        let finalPath = try path(key)
        let folder = (finalPath as NSString).deletingLastPathComponent
        let name = (finalPath as NSString).lastPathComponent
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return SFTPUpload(connections: connections, location: place,
                          temporaryPath: folder + "/" + Self.temporaryMarker + name + "." + random, finalPath: finalPath)
    }

    public func open(key: String) throws -> any ByteSource {
        let full = try path(key)
        guard try connections.with({ try $0.attributes(url: place.url(path: full)) }) != nil else {
            throw StorageError.notFound(tier: self.name, key: key)
        }
        return SFTPObjectSource(connections: connections, url: place.url(path: full))
    }

    public func open(key: String, from offset: Int64, length: Int64?) throws -> any ByteSource {
        let full = try path(key)
        guard try connections.with({ try $0.attributes(url: place.url(path: full)) }) != nil else {
            throw StorageError.notFound(tier: self.name, key: key)
        }
        let source = SFTPObjectSource(connections: connections, url: place.url(path: full), from: offset)
        return length.map { LimitedSource(source, limit: $0) } ?? source
    }

    public func stat(key: String) throws -> ObjectInfo? {
        let full = try path(key)
        guard let attributes = try connections.with({ try $0.attributes(url: place.url(path: full)) }) else { return nil }
        return ObjectInfo(key: key, size: UInt64(attributes.size), modified: attributes.modified)
    }

    public func list(prefix: String) throws -> [ObjectInfo] {
        try walk(prefix: prefix).filter { !$0.isTemporary }.map { ObjectInfo(key: $0.key, size: UInt64($0.size), modified: Date(timeIntervalSince1970: 0)) }
    }

    public func delete(key: String) throws {
        let full = try path(key)
        try connections.with { transfer in
            do {
                try transfer.run(["*rm \(SFTPLocation.quoted(full))"], folderURL: place.url(path: place.folder, folder: true))
            } catch let error as HTTPError where error.isRemoteFileMissing {
                // The tier's folder itself is not there: nothing to delete.
            }
        }
    }

    public func deleteAll(prefix: String) throws {
        let setPrefix = prefix.hasSuffix("/") || prefix.isEmpty ? prefix : prefix + "/"
        let files = try walk(prefix: setPrefix)
        var folders = Set<String>()
        for file in files {
            var parent = (file.key as NSString).deletingLastPathComponent
            while !parent.isEmpty, (parent + "/").hasPrefix(setPrefix) {
                folders.insert(parent)
                parent = (parent as NSString).deletingLastPathComponent
            }
        }
        if !setPrefix.isEmpty { folders.insert(String(setPrefix.dropLast())) }
        let commands = files.map { "*rm \(SFTPLocation.quoted(place.path($0.key)))" }
            + folders.sorted { $0.count > $1.count }.map { "*rmdir \(SFTPLocation.quoted(place.path($0)))" }
        guard !commands.isEmpty else { return }
        try connections.with { transfer in
            do {
                try transfer.run(commands, folderURL: place.url(path: place.folder, folder: true))
            } catch let error as HTTPError where error.isRemoteFileMissing {}
        }
    }

    public func setFolderNames() throws -> [String] {
        try listFolder("").filter(\.isDirectory).map(\.name)
    }

    public func abortUnfinishedUploads(begunBefore date: Date) throws -> [String] {
        var removed: [String] = []
        for file in try walk(prefix: "") where file.isTemporary {
            let full = place.path(file.key)
            guard let attributes = try connections.with({ try $0.attributes(url: place.url(path: full)) }),
                  attributes.modified < date else { continue }
            try connections.with { try $0.run(["*rm \(SFTPLocation.quoted(full))"], folderURL: place.url(path: place.folder, folder: true)) }
            removed.append(file.key)
        }
        return removed
    }

    // MARK: listing

    struct ListedFile {
        let key: String
        let size: Int64
        var isTemporary: Bool { (key as NSString).lastPathComponent.hasPrefix(SFTPTier.temporaryMarker) }
    }

    /// Every file under the tier's folder whose key starts with `prefix`
    /// (temporary ones included), sorted by key: one listing per folder
    /// that can hold such keys.
    func walk(prefix: String) throws -> [ListedFile] {
        var files: [ListedFile] = []
        var folders = [""]
        while let folder = folders.popLast() {
            for entry in try listFolder(folder) {
                let key = folder.isEmpty ? entry.name : folder + "/" + entry.name
                if entry.isDirectory {
                    if (key + "/").hasPrefix(prefix) || prefix.hasPrefix(key + "/") { folders.append(key) }
                } else if key.hasPrefix(prefix), (try? StorageKey.validate(key)) != nil {
                    files.append(ListedFile(key: key, size: entry.size))
                }
            }
        }
        return files.sorted { $0.key < $1.key }
    }

    /// A folder's entries; none when it does not exist (an empty tier).
    func listFolder(_ key: String) throws -> [SFTPTransfer.Entry] {
        let url = place.url(path: place.path(key), folder: true)
        return try connections.with { try $0.list(folderURL: url) } ?? []
    }
}
