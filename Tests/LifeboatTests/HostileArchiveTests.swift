import ByteStreams
import FileSources
import Foundation
import Testing
import TestSupport

/// Archives written to escape the target folder (made with Python's tarfile,
/// kept in Fixtures/hostile). Each must be refused, and nothing may appear
/// outside the target.
@Suite struct HostileArchiveTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.resourcePath! + "/Fixtures/hostile/" + name
    }

    @Test(arguments: ["dotdot.tar", "nested-dotdot.tar", "absolute.tar", "symlink-escape.tar", "hardlink-escape.tar"])
    func refusedWithNothingOutsideTheTarget(name: String) throws {
        let dir = TemporaryDirectory()
        let target = dir.sub("deep/inside/target")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let before = TreeSnapshot(of: dir.path)
        let tmpBefore = Set((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [])
        do {
            _ = try TreeArtifact.extract(try FileDescriptorSource(path: Self.fixture(name)), into: target, replaceAtomically: false)
            Issue.record("\(name) was extracted")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("refusing") || text.contains("symlink") || text.contains("..") || text.contains("Path"), "\(text)")
        }
        // Only the target may have changed.
        let after = TreeSnapshot(of: dir.path)
        let outside = after.differences(from: before).filter { !$0.hasPrefix("deep/inside/target") }
        #expect(outside.isEmpty, "\(outside)")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("deep/inside/escape.txt")))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/lifeboat-hostile-absolute.txt"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/lifeboat-hostile-symlink.txt"))
        let tmpAfter = Set((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [])
        #expect(tmpAfter.subtracting(tmpBefore).filter { $0.hasPrefix("lifeboat-hostile") }.isEmpty)
    }

    @Test func inspectionRefusesEscapingNamesToo() throws {
        #expect(throws: (any Error).self) {
            _ = try TreeArtifact.inspect(try FileDescriptorSource(path: Self.fixture("dotdot.tar")))
        }
    }
}
