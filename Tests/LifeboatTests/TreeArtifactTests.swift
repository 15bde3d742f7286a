import ByteStreams
import FileSources
import Foundation
import StreamCompression
import Testing
import TestSupport

/// Round trips through the tar artifact, and compatibility with GNU tar both ways.
@Suite struct TreeArtifactTests {
    func writeArtifact(_ contents: TreeArtifact.Contents, to path: String, compression: Compression,
                       skipUnreadable: Bool = false, warnings: WarningLog = WarningLog()) throws -> TreeArtifact.WriteResult {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        let compressor = try Compressors.make(compression, into: FileDescriptorSink(fd: fd, path: path))
        let result = try TreeArtifact.write(contents, to: compressor, skipUnreadable: skipUnreadable, warn: { warnings.add($0) })
        try compressor.finish()
        return result
    }

    @Test(arguments: CompressionAlgorithm.allCases)
    func awkwardTreeRoundTrips(algorithm: CompressionAlgorithm) throws {
        let dir = TemporaryDirectory()
        TreeBuilder.awkwardTree(at: dir.sub("source"))
        let result = try writeArtifact(.folderContents(dir.sub("source")), to: dir.sub("a.tar"), compression: Compression(algorithm: algorithm))
        #expect(result.summary.hardlinks == 1)
        #expect(result.summary.symlinks == 3)
        #expect(result.summary.files == 7)

        try FileManager.default.createDirectory(atPath: dir.sub("restored"), withIntermediateDirectories: false)
        let restored = try TreeArtifact.extract(try FileDescriptorSource(path: dir.sub("a.tar")), into: dir.sub("restored"), replaceAtomically: false)
        #expect(restored.sameContents(as: result.summary))
        let differences = TreeSnapshot(of: dir.sub("source")).differences(from: TreeSnapshot(of: dir.sub("restored")))
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test(arguments: [("zstd", CompressionAlgorithm.zstd), ("gzip", .gzip), ("", .none)])
    func gnuTarReadsOurArtifacts(flag: String, algorithm: CompressionAlgorithm) throws {
        let dir = TemporaryDirectory()
        TreeBuilder.awkwardTree(at: dir.sub("source"))
        _ = try writeArtifact(.folderContents(dir.sub("source")), to: dir.sub("a.tar"), compression: Compression(algorithm: algorithm))
        try FileManager.default.createDirectory(atPath: dir.sub("gnu"), withIntermediateDirectories: false)
        let option = flag.isEmpty ? "" : "--\(flag)"
        let result = try ProcessRunner.shell("tar \(option) -xpf '\(dir.sub("a.tar"))' -C '\(dir.sub("gnu"))'")
        #expect(result.status == 0, "\(result.output)")
        let differences = TreeSnapshot(of: dir.sub("source")).differences(from: TreeSnapshot(of: dir.sub("gnu")))
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test(arguments: ["--zstd", "--gzip", ""])
    func weReadGnuTarArchives(flag: String) throws {
        let dir = TemporaryDirectory()
        TreeBuilder.awkwardTree(at: dir.sub("source"))
        let made = try ProcessRunner.shell("tar \(flag) --format=posix -cf '\(dir.sub("gnu.tar"))' -C '\(dir.sub("source"))' .")
        #expect(made.status == 0, "\(made.output)")
        try FileManager.default.createDirectory(atPath: dir.sub("restored"), withIntermediateDirectories: false)
        _ = try TreeArtifact.extract(try FileDescriptorSource(path: dir.sub("gnu.tar")), into: dir.sub("restored"), replaceAtomically: false)
        let differences = TreeSnapshot(of: dir.sub("source"), includeDirectoryTimes: false)
            .differences(from: TreeSnapshot(of: dir.sub("restored"), includeDirectoryTimes: false))
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test func configPathsKeepTheirAbsoluteNamesAndModes() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("app/.env.production"), "SECRET=1\n", mode: 0o600)
        TreeBuilder.write(dir.sub("nginx/nginx.conf"), "events {}\n")
        TreeBuilder.write(dir.sub("nginx/conf.d/site.conf"), "server {}\n", mode: 0o640)
        let paths = [dir.sub("app/.env.production"), dir.sub("nginx")]
        _ = try writeArtifact(.paths(paths), to: dir.sub("c.tar"), compression: Compression(algorithm: .zstd))
        let listing = try ProcessRunner.shell("tar --zstd -tf '\(dir.sub("c.tar"))'")
        let stripped = String(dir.path.dropFirst())
        #expect(listing.stdout.contains("\(stripped)/app/.env.production"))
        #expect(listing.stdout.contains("\(stripped)/nginx/conf.d/site.conf"))

        try FileManager.default.createDirectory(atPath: dir.sub("out"), withIntermediateDirectories: false)
        _ = try TreeArtifact.extract(try FileDescriptorSource(path: dir.sub("c.tar")), into: dir.sub("out"), replaceAtomically: true)
        var st = stat()
        #expect(stat(dir.sub("out") + dir.sub("app/.env.production"), &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(stat(dir.sub("out") + dir.sub("nginx/conf.d/site.conf"), &st) == 0)
        #expect(st.st_mode & 0o777 == 0o640)
    }

    @Test func missingSourceFolderIsNamed() {
        do {
            _ = try writeArtifact(.folderContents("/nonexistent/uploads"), to: "/dev/null", compression: Compression(algorithm: .none))
            Issue.record("a missing folder was accepted")
        } catch {
            #expect(String(describing: error).contains("/nonexistent/uploads"))
        }
    }
}

/// Collects warnings from a component run.
final class WarningLog: @unchecked Sendable {
    // @unchecked: every access takes `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
