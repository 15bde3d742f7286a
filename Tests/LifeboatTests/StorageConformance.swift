import ByteStreams
import Foundation
import Storage
import Testing
import TestSupport

/// The contract every storage tier keeps, run against each tier (local now;
/// S3 joins with its issue). A tier is handed over fresh and empty.
enum StorageConformance {
    static func run(_ tier: any StorageTier) throws {
        // Round trip of a multi-chunk object.
        var generator = SplitMix64(seed: 42)
        let payload = (0..<(3 << 20) + 17).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let upload = try tier.beginUpload(key: "20260101T000000Z-full-0001/files.tar.zst")
        for start in stride(from: 0, to: payload.count, by: 1 << 20) {
            try upload.write(Array(payload[start..<min(start + (1 << 20), payload.count)]))
        }
        // Not visible before commit.
        #expect(try tier.stat(key: "20260101T000000Z-full-0001/files.tar.zst") == nil)
        #expect(try tier.list(prefix: "").isEmpty)
        try upload.commit()
        #expect(try tier.stat(key: "20260101T000000Z-full-0001/files.tar.zst")?.size == UInt64(payload.count))
        #expect(try tier.get(key: "20260101T000000Z-full-0001/files.tar.zst") == payload)

        // An aborted upload leaves nothing, not even under list.
        let aborted = try tier.beginUpload(key: "20260101T000000Z-full-0001/config.tar.zst")
        try aborted.write([1, 2, 3])
        aborted.abort()
        #expect(try tier.stat(key: "20260101T000000Z-full-0001/config.tar.zst") == nil)
        #expect(try tier.list(prefix: "").map(\.key) == ["20260101T000000Z-full-0001/files.tar.zst"])

        // Overwrite replaces whole.
        try tier.put(key: "20260101T000000Z-full-0001/manifest.json", bytes: Array("one".utf8))
        try tier.put(key: "20260101T000000Z-full-0001/manifest.json", bytes: Array("two!".utf8))
        #expect(try tier.get(key: "20260101T000000Z-full-0001/manifest.json") == Array("two!".utf8))

        // Listing by prefix, sorted.
        try tier.put(key: "20260102T000000Z-full-0002/manifest.json", bytes: [])
        #expect(try tier.list(prefix: "20260102").map(\.key) == ["20260102T000000Z-full-0002/manifest.json"])
        #expect(try tier.list(prefix: "").map(\.key) == [
            "20260101T000000Z-full-0001/files.tar.zst", "20260101T000000Z-full-0001/manifest.json",
            "20260102T000000Z-full-0002/manifest.json",
        ])

        // Missing objects.
        #expect(throws: StorageError.self) { _ = try tier.open(key: "20260101T000000Z-full-0001/nope") }
        try tier.delete(key: "20260101T000000Z-full-0001/nope")

        // Delete one, then a whole prefix.
        try tier.delete(key: "20260101T000000Z-full-0001/manifest.json")
        #expect(try tier.stat(key: "20260101T000000Z-full-0001/manifest.json") == nil)
        try tier.deleteAll(prefix: "20260101T000000Z-full-0001")
        #expect(try tier.list(prefix: "20260101").isEmpty)
        #expect(try tier.list(prefix: "").count == 1)

        // Keys that could escape are refused.
        for bad in ["../x", "/abs", "a//b", "a/./b", ""] {
            #expect(throws: StorageError.self) { _ = try tier.beginUpload(key: bad) }
        }
    }
}

@Suite struct LocalTierConformanceTests {
    @Test func localTierKeepsTheContract() throws {
        let dir = TemporaryDirectory()
        try StorageConformance.run(LocalTier(root: dir.sub("backup")))
    }

    @Test func localTierLeavesNoTemporaryFiles() throws {
        let dir = TemporaryDirectory()
        let tier = LocalTier(root: dir.path)
        try tier.put(key: "s/a", bytes: [1])
        let upload = try tier.beginUpload(key: "s/b")
        upload.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.sub("s")) == ["a"])
    }
}
