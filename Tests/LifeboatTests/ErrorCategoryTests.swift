import ByteStreams
import DockerEngine
import FileSources
import Foundation
import LifeboatConfiguration
import LifeboatCore
import LifeboatCrypto
import MongoArchive
import MongoSource
import RedisSource
import S3Storage
import StreamCompression
import TarArchive
import Testing

/// The exit status comes from the error's category, set where it is
/// known, and never from the words of its message.
@Suite struct ErrorCategoryTests {
    func status(_ error: any Error) -> LifeboatCore.ExitStatus { LifeboatError.wrap(error, doing: "restore").status }

    @Test func eachLowerLayerErrorMapsByItsCategory() {
        #expect(status(HostileEntryError(entry: "/etc/passwd", reason: "absolute names are not allowed")) == .dataError)
        #expect(status(ArchiveFormatError("not a mongodump archive")) == .dataError)
        #expect(status(RedisSourceError(.targetNotEmpty, "the Redis at h:1 holds 3 keys")) == .usage)
        #expect(status(RedisSourceError(.refused, "Redis refused SYNC: the target holds nothing")) == .failure)
        #expect(status(RedisSourceError(.data, "not an RDB file")) == .dataError)
        #expect(status(MongoSourceError("bad", kind: .invalidURI)) == .usage)
        #expect(status(MongoSourceError("cannot reach MongoDB", kind: .unreachable)) == .failure)
        #expect(status(AgeError("no identity matches the recipients", kind: .key)) == .usage)
        #expect(status(AgeError("payload chunk 3 fails its MAC", kind: .data)) == .verificationFailed)
        #expect(status(SystemCallError("write", path: "/backup/x", errno: ENOSPC)) == .ioError)
        #expect(status(FileSourceError(path: "/data/uploads", problem: "holds 3 entries", isRefusal: true)) == .usage)
        #expect(status(FileSourceError(path: "/data/uploads", problem: "cannot read")) == .failure)
        #expect(status(DockerError(.permissionDenied, "permission denied on the Docker socket")) == .failure)
    }

    @Test func messageTextDecidesNothing() {
        struct Uncategorized: Error, CustomStringConvertible {
            var description: String { "refusing archive entry '../x': it holds 3 keys" }
        }
        #expect(status(Uncategorized()) == .failure)
        // The same words in a categorized error of another kind change nothing either.
        #expect(status(RedisSourceError(.server, "the Redis at h:1 holds 3 keys")) == .failure)
    }
}
