import ByteStreams
import Foundation
import LifeboatCrypto
import Storage
import StreamCompression

/// Reads part of a stored artifact from one of its independent frames on,
/// transferring only the stored bytes that hold it (a ranged read on S3):
/// compressed offsets come from the files index; with age encryption the
/// 64 KiB payload chunks holding them are read after the header (the file
/// key is unwrapped from the header, read alone). Every frame's checksum
/// (zstd's content checksum, gzip's CRC-32) and every age chunk's tag is
/// checked on the way; the artifact's SHA-256 needs the whole artifact and
/// is `verify`'s to check.
final class ArtifactFrames {
    let tier: any StorageTier
    let encryption: Encryption
    /// Stored bytes transferred so far, by every read of this reader.
    private(set) var transferred: Int64 = 0

    init(tier: any StorageTier, encryption: Encryption) {
        self.tier = tier
        self.encryption = encryption
    }

    /// The decompressed bytes of the frames from compressed offset `start`
    /// up to `end` (nil: the artifact's end).
    func open(_ artifact: Manifest.Artifact, of id: BackupSetID, from start: Int64, to end: Int64?) throws -> any ByteSource {
        let key = "\(id)/\(artifact.file)"
        // Every range is bounded by the manifest's size, so a tier reads exactly it.
        let size = artifact.storedBytes
        func range(_ offset: Int64, _ length: Int64?) throws -> any ByteSource {
            let from = min(offset, size)
            return counted(try tier.open(key: key, from: from, length: min(length ?? size, size - from)))
        }
        guard artifact.encryption != nil else {
            let stored = try range(start, end.map { $0 - start })
            return try Decompressors.make(artifact.compression, from: stored)
        }
        let header = try range(0, 64 << 10)
        let age = try encryption.decryptor(of: artifact, from: header)
        let chunk = AgeDecryptingSource.chunkSize, sealed = AgeDecryptingSource.sealedChunkSize
        let first = start / chunk
        // One byte past the last chunk needed tells the decryptor that chunk
        // is not the stream's last (the tag says which it is).
        let length = end.map { (($0 - 1) / chunk - first + 1) * sealed + 1 }
        age.resume(atChunk: UInt64(first), from: try range(age.headerLength + first * sealed, length))
        try age.skip(start - first * chunk)
        let compressed: any ByteSource = end.map { LimitedSource(age, limit: $0 - start) } ?? age
        return try Decompressors.make(artifact.compression, from: compressed)
    }

    private func counted(_ source: any ByteSource) -> any ByteSource { TransferCounter(source, owner: self) }

    private final class TransferCounter: ByteSource {
        let upstream: any ByteSource
        unowned let owner: ArtifactFrames
        init(_ upstream: any ByteSource, owner: ArtifactFrames) {
            self.upstream = upstream
            self.owner = owner
        }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let n = try upstream.read(into: buffer)
            owner.transferred += Int64(n)
            return n
        }
    }
}
