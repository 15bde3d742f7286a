import Foundation
import Testing
import TestSupport

/// kill -9 at random points of a backup: the next `list` never shows a
/// partial set, every listed set verifies, and the next backup succeeds and
/// clears what the killed one left.
@Suite struct KillTests {
    @Test func killNineNeverPublishesAPartialSet() throws {
        let binary = ProcessRunner.lifeboatBinary
        let dir = TemporaryDirectory()
        for i in 0..<6 { TreeBuilder.writeRandom(dir.sub("uploads/part\(i).bin"), bytes: 6 << 20, seed: UInt64(i)) }
        TreeBuilder.awkwardTree(at: dir.sub("uploads/tree"))
        TreeBuilder.write(dir.sub("etc/.env"), "X=1\n", mode: 0o600)
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("etc/.env")]

        // How long one backup takes here, to spread the kills over it.
        let started = Date()
        #expect(try ProcessRunner.run(binary, ["backup"], environment: env).status == 0)
        let duration = Date().timeIntervalSince(started)
        var complete = 1

        var generator = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        for round in 0..<10 {
            let delay = duration * Double(generator.next() % 1000) / 1000.0 * 1.2
            let process = try ProcessRunner.start(binary, ["backup"], environment: env, discardOutput: true)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let finished = process.terminationReason == .exit && process.terminationStatus == 0

            let list = try ProcessRunner.run(binary, ["list", "--json"], environment: env)
            #expect(list.status == 0, "round \(round): \(list.output)")
            let rows = try #require(ListJSON.sets(list.stdout), "\(list.output)")
            // A finished run adds its set. A killed one adds none, or its
            // whole set when the kill came after the manifest was committed
            // (between that rename and the process's exit).
            if finished {
                #expect(rows.count == complete + 1, "round \(round): a finished backup is not listed")
            } else {
                #expect(rows.count == complete || rows.count == complete + 1, "round \(round) (kill after \(delay)s): \(rows.count) listed, \(complete) before")
            }
            complete = rows.count
            for row in rows {
                let id = row["id"] as! String
                #expect(FileManager.default.fileExists(atPath: dir.sub("backup/\(id)/manifest.json")))
            }
        }
        let after = try ProcessRunner.run(binary, ["backup"], environment: env)
        #expect(after.status == 0, "\(after.output)")
        complete += 1
        // Nothing incomplete or temporary remains, and every set verifies.
        let sets = try FileManager.default.contentsOfDirectory(atPath: dir.sub("backup")).filter { !$0.hasPrefix(".") }
        #expect(sets.count == complete)
        for set in sets {
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.sub("backup/\(set)"))
            #expect(files.contains("manifest.json"))
            #expect(!files.contains { $0.contains("lifeboat-tmp") })
            let verify = try ProcessRunner.run(binary, ["verify", set], environment: env)
            #expect(verify.status == 0, "\(set): \(verify.output)")
        }
    }
}
