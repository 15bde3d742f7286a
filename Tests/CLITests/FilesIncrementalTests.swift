import Foundation
import Testing
import TestSupport

/// A tree through a week of changes (adds, edits, deletes, renames,
/// permission changes, a folder replaced by a file), a set each day:
/// restoring any set of the chain gives exactly the tree of that moment,
/// and an incremental stores only what changed.
@Suite struct FilesIncrementalTests {
    @Test func restoringAnyDayOfTheChainGivesThatDaysTree() throws {
        let dir = TemporaryDirectory()
        let up = dir.sub("uploads")
        TreeBuilder.awkwardTree(at: up + "/base")
        var generator = SplitMix64(seed: 21)
        let bulk = (0..<(4 << 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        FileManager.default.createFile(atPath: up + "/bulk.bin", contents: Data(bulk))
        for i in 0..<20 { TreeBuilder.write(up + "/docs/d\(i).txt", "document \(i)\n") }
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": up]
        func backup(_ kind: String) throws -> (id: String, output: String) {
            let result = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup", "--kind", kind], environment: env)
            #expect(result.status == 0, "\(result.output)")
            return (result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), result.output)
        }
        var days: [(id: String, snapshot: TreeSnapshot)] = []
        // Files written in the second before a set are taken again by the next (their mtime may hide a change).
        Thread.sleep(forTimeInterval: 1.1)
        days.append((try backup("full").id, TreeSnapshot(of: up)))

        let changes: [(String) throws -> Void] = [
            { up in TreeBuilder.write(up + "/docs/new.txt", "added on day 1\n"); TreeBuilder.write(up + "/docs/d1.txt", "edited on day 1, longer\n") },
            { up in try FileManager.default.removeItem(atPath: up + "/docs/d2.txt"); try FileManager.default.moveItem(atPath: up + "/docs/d3.txt", toPath: up + "/docs/renamed.txt") },
            { up in chmod(up + "/docs/d4.txt", 0o600); try FileManager.default.removeItem(atPath: up + "/base") },
            { up in try FileManager.default.createDirectory(atPath: up + "/docs/sub/deeper", withIntermediateDirectories: true); TreeBuilder.write(up + "/docs/sub/deeper/x.txt", "x\n") },
            { up in try FileManager.default.removeItem(atPath: up + "/docs/sub"); TreeBuilder.write(up + "/docs/sub", "now a file\n") },
            { up in TreeBuilder.write(up + "/docs/d5.txt", "same size!\n") ; _ = up },
        ]
        var incrementalBytes: [Int] = []
        for change in changes {
            Thread.sleep(forTimeInterval: 1.1)  // past the racy-mtime second
            try change(up)
            let (id, output) = try backup("incremental")
            #expect(id.contains("-incr-"), "\(output)")
            days.append((id, TreeSnapshot(of: up)))
            let size = (try? FileManager.default.attributesOfItem(atPath: dir.sub("backup/\(id)/files.tar.zst"))[.size] as? Int) ?? -1
            incrementalBytes.append(size)
        }
        let fullBytes = (try FileManager.default.attributesOfItem(atPath: dir.sub("backup/\(days[0].id)/files.tar.zst"))[.size] as? Int) ?? 0
        #expect(incrementalBytes.allSatisfy { $0 > 0 && $0 < fullBytes / 20 }, "incrementals store only what changed: \(incrementalBytes) vs full \(fullBytes)")

        for (index, day) in days.enumerated() {
            let target = dir.sub("restored-\(index)")
            let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", day.id, "--components", "files", "--to", target], environment: env)
            #expect(restore.status == 0, "\(restore.output)")
            let differences = day.snapshot.differences(from: TreeSnapshot(of: target + "/files"))
            #expect(differences.isEmpty, "day \(index) (\(day.id)): \(differences.prefix(5))")
        }
        // Looking inside the chain: diff of the week, find of what went, one entry back from the last day.
        let diff = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["diff", days[0].id, days.last!.id], environment: env)
        #expect(diff.status == 0, "\(diff.output)")
        for line in ["R  docs/d3.txt → docs/renamed.txt", "-  docs/d2.txt", "+  docs/new.txt", "-  base", "M  docs/d4.txt (mode)", "+  docs/sub"] {
            #expect(diff.stdout.contains(line), "\(line) in \(diff.stdout)")
        }
        let folderToFile = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["diff", days[4].id, days[5].id], environment: env)
        #expect(folderToFile.stdout.contains("M  docs/sub (type") && folderToFile.stdout.contains("-  docs/sub/deeper/x.txt"), "\(folderToFile.output)")
        let find = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["find", "d2.txt"], environment: env)
        #expect(find.stdout.contains("\(days[2].id)  local  deleted") && find.stdout.contains("\(days[1].id)  local  unchanged"), "\(find.output)")
        let one = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", days.last!.id, "--include", "docs/sub", "--to", dir.sub("one")], environment: env)
        #expect(one.status == 0, "\(one.output)")
        #expect(try String(contentsOfFile: dir.sub("one/files/docs/sub"), encoding: .utf8) == "now a file\n")
        let verify = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify", days.last!.id], environment: env)
        #expect(verify.status == 0, "\(verify.output)")
    }

    /// A restore writes each file of a chain once, from the set that last
    /// stored it, and says so per set; a hard link whose first name went
    /// in a later set (tar links point inside one artifact) makes it
    /// extract link over link instead, and both give the day's tree.
    @Test func eachFileIsWrittenOnceUnlessHardLinksCrossSets() throws {
        let dir = TemporaryDirectory()
        let up = dir.sub("uploads")
        for i in 0..<30 { TreeBuilder.write(up + "/docs/d\(i).txt", "document \(i)\n") }
        TreeBuilder.write(up + "/links/a-first.txt", "shared bytes\n")
        #expect(link(up + "/links/a-first.txt", up + "/links/b.txt") == 0)
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": up]
        func backup(_ kind: String) throws -> String {
            Thread.sleep(forTimeInterval: 1.1)  // past the racy-mtime second
            let result = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup", "--kind", kind], environment: env)
            #expect(result.status == 0, "\(result.output)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func restore(_ id: String, _ name: String) throws -> String {
            let result = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--components", "files", "--to", dir.sub(name)], environment: env)
            #expect(result.status == 0, "\(result.output)")
            return result.output
        }
        _ = try backup("full")
        TreeBuilder.write(up + "/docs/d1.txt", "edited on day 1, longer\n")
        let day1 = try backup("incremental")
        TreeBuilder.write(up + "/docs/d1.txt", "edited again on day 2\n")
        try FileManager.default.removeItem(atPath: up + "/docs/d2.txt")
        let day2 = try backup("incremental")
        let day2Tree = TreeSnapshot(of: up)

        let planned = try restore(day2, "planned")
        #expect(TreeSnapshot(of: dir.sub("planned/files")).differences(from: day2Tree).isEmpty, "\(planned)")
        // The full set's d1 and d2 and day 1's d1 are read, not written; day 2 writes its d1 and the folders.
        #expect(planned.contains("\(day1): ") && planned.contains("of its") && !planned.contains("link over link"), "\(planned)")
        let linked = try String(contentsOfFile: dir.sub("planned/files/links/b.txt"), encoding: .utf8)
        #expect(linked == "shared bytes\n")

        // b.txt is now a plain file, unchanged, last stored as a link to a-first.txt.
        try FileManager.default.removeItem(atPath: up + "/links/a-first.txt")
        let day3 = try backup("incremental")
        let day3Tree = TreeSnapshot(of: up)
        let fallback = try restore(day3, "fallback")
        #expect(fallback.contains("link over link"), "\(fallback)")
        let differences = TreeSnapshot(of: dir.sub("fallback/files")).differences(from: day3Tree)
        #expect(differences.isEmpty, "\(differences.prefix(5)) \(fallback)")
        _ = day1
    }
}
