import ByteStreams
import Foundation
import StreamCompression
import Testing
import TestSupport

@Suite struct StreamCompressionTests {
    /// Compresses ~12 MiB (several zstd jobs) in uneven chunks and checks the
    /// stock tool decompresses it to the same bytes.
    @Test(arguments: [(CompressionAlgorithm.zstd, "zstd -d -c"), (.gzip, "gzip -d -c"), (.none, "cat")])
    func stockToolsDecompressOurStreams(algorithm: CompressionAlgorithm, tool: String) throws {
        let dir = TemporaryDirectory()
        var generator = SplitMix64(seed: 3)
        var input: [UInt8] = []
        for i in 0..<(12 << 20) {
            input.append(i % 3 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : UInt8(i % 251))
        }
        let path = dir.sub("out")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let compressor = try Compressors.make(Compression(algorithm: algorithm), into: FileDescriptorSink(fd: fd, path: path))
        var offset = 0
        var step = 1
        while offset < input.count {
            let n = min(step, input.count - offset)
            try input[offset..<offset + n].withUnsafeBytes { try compressor.write($0) }
            offset += n
            step = step * 3 % 1_000_003 + 1
        }
        try compressor.finish()
        close(fd)
        let decoded = try ProcessRunner.shell("\(tool) '\(path)' > '\(path).plain'")
        #expect(decoded.status == 0, "\(decoded.output)")
        #expect(FileManager.default.contents(atPath: path + ".plain") == Data(input))
        if algorithm == .zstd {
            #expect(try ProcessRunner.shell("zstd -t -q '\(path)'").status == 0, "frame checksum")
        }
    }

    @Test func threadedSinkDeliversEverythingInOrder() throws {
        let collector = CollectingSink()
        let threaded = ThreadedSink(collector, bufferSize: 1000, depth: 3)
        var expected: [UInt8] = []
        for i in 0..<5000 {
            let chunk = [UInt8](repeating: UInt8(i % 256), count: i % 17)
            expected += chunk
            try threaded.write(chunk)
        }
        try threaded.close()
        #expect(collector.bytes == expected)
    }

    @Test func threadedSinkSurfacesTheConsumersError() throws {
        let failing = FailingSink(after: 5000)
        let threaded = ThreadedSink(failing, bufferSize: 1000, depth: 2)
        #expect(throws: FailingSink.Failure.self) {
            for _ in 0..<1000 { try threaded.write([UInt8](repeating: 1, count: 100)) }
            try threaded.close()
        }
    }
}

final class CollectingSink: ByteSink {
    var bytes: [UInt8] = []
    func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
}

final class FailingSink: ByteSink {
    struct Failure: Error {}
    private var remaining: Int
    init(after bytes: Int) { remaining = bytes }
    func write(_ chunk: UnsafeRawBufferPointer) throws {
        remaining -= chunk.count
        if remaining < 0 { throw Failure() }
    }
}
