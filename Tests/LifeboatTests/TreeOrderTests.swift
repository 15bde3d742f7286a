import ByteStreams
@testable import FileSources
import Foundation
import Testing
import TestSupport

/// A chain restore walks two indexes side by side, trusting that the
/// archiver writes entries in `TreeOrder`; these check that it does on
/// names that sort differently as whole paths (`a b` and `a/x`), and that
/// the comparison itself is right.
@Suite struct TreeOrderTests {
    @Test func theArchiverWritesEntriesInTreeOrder() throws {
        let dir = TemporaryDirectory()
        let root = dir.sub("tree")
        TreeBuilder.awkwardTree(at: root)
        for name in ["a/x", "a b/y", "a-b/z", "a.b", "A", "Z/zz/zzz", "é/1", "a/x y/deep", "a/x/deeper", "a0", "ab"] {
            TreeBuilder.write(root + "/" + name + ".txt", name)
        }
        let indexPath = dir.sub("index")
        let fd = open(indexPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let null = open("/dev/null", O_WRONLY)
        _ = try TreeArtifact.write(.folderContents(root), to: FileDescriptorSink(fd: null, path: "/dev/null"),
                                   skipUnreadable: false, index: FileDescriptorSink(fd: fd, path: indexPath))
        close(fd)
        close(null)
        let reader = TreeIndexReader(try FileDescriptorSource(path: indexPath))
        var paths: [String] = []
        while let entry = try reader.next() { paths.append(entry.path) }
        #expect(paths.count > 20)
        for (before, after) in zip(paths, paths.dropFirst()) {
            #expect(TreeOrder.compare(before, after) == -1, "\(before) then \(after)")
        }
        // As plain strings `a b` sorts before `a/x`; in the tree, `a`'s subtree comes first.
        #expect(paths.firstIndex(of: "a/x.txt")! < paths.firstIndex(of: "a b")!)
    }

    @Test func comparesNameByName() {
        #expect(TreeOrder.compare("a", "a/x") == -1)
        #expect(TreeOrder.compare("a/x", "a b") == -1)
        #expect(TreeOrder.compare("a b", "a/x") == 1)
        #expect(TreeOrder.compare("d/e", "d/e") == 0)
        #expect(TreeOrder.compare("d/e/f", "d/f") == -1)
        #expect(TreeOrder.compare("z", "a/b/c") == 1)
    }

    /// The byte comparison taken for ASCII names answers as the name-by-name rule does.
    @Test func theFastPathAgreesWithTheRule() {
        let parts = ["a", "b", "a b", "a-b", "ab", "A", "é", "e\u{301}", "z", "a.b", "0", "ä"]
        var generator = SplitMix64(seed: 5)
        func path() -> String {
            (0..<(1 + Int(generator.next() % 3))).map { _ in parts[Int(generator.next() % UInt64(parts.count))] }.joined(separator: "/")
        }
        for _ in 0..<5000 {
            let a = path(), b = path()
            #expect(TreeOrder.compare(a, b) == TreeOrder.compareByName(a, b), "\(a) vs \(b)")
        }
    }
}

/// The incremental's change filter answers right whatever the order of
/// the parent's index or of the questions (it falls back to a dictionary).
@Suite struct TreeChangeFilterTests {
    func writeIndex(_ paths: [String], at path: String) throws {
        var bytes = TreeIndex.header
        for (number, name) in paths.enumerated() {
            bytes += TreeIndex.encode(TreeIndexEntry(path: name, type: .file, size: Int64(number), mtimeNanoseconds: 1_000_000_000,
                                                     inode: UInt64(number + 1), mode: 0o100644, uid: 0, gid: 0))
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: [["a", "a/x", "a b", "b", "c/d"], ["b", "a", "c/d", "a b", "a/x"]])
    func findsEveryParentEntry(_ order: [String]) throws {
        let dir = TemporaryDirectory()
        try writeIndex(order, at: dir.sub("index"))
        let filter = try #require(TreeChangeFilter(parentIndexAt: dir.sub("index"), parentStarted: Date()))
        #expect(filter.parentCount == 5)
        // In tree order, with a path the parent lacks among them.
        for name in ["a", "a/new", "a/x", "a b", "b", "c/d"] {
            let found = try filter.parentEntry(name)
            #expect((found?.path == name) == (name != "a/new"), "\(name)")
        }
        // Asked out of order afterwards: still right.
        #expect(try filter.parentEntry("a")?.path == "a")
        #expect(try filter.parentEntry("zz") == nil)
    }

    @Test func anUnreadableIndexIsNoFilter() throws {
        let dir = TemporaryDirectory()
        try Data([0x49, 2, 0, 0, 0, 0x66, 1, 2]).write(to: URL(fileURLWithPath: dir.sub("index")))
        #expect(TreeChangeFilter(parentIndexAt: dir.sub("index"), parentStarted: Date()) == nil)
    }
}
