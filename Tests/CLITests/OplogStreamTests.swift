import Foundation
import Testing
import TestSupport

/// Continuous oplog capture in the service: slices sealed every second
/// while a writer keeps inserting, the service killed with SIGKILL and
/// started again; the slices stay continuous (each starts where the
/// previous set ended) and restoring to the last one gives every write.
@Suite struct OplogStreamTests {
    @Test func slicesStayContinuousAcrossAKill() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("slices")
        let dir = TemporaryDirectory()
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        defer { _ = try? ProcessRunner.run(python, ["-c", "import pymongo,sys; c=pymongo.MongoClient(sys.argv[1]); [c.drop_database(n) for n in c.list_database_names() if n.startswith(sys.argv[2])]", uri, db]) }
        _ = try ProcessRunner.run(python, ["-c", "import pymongo,sys; pymongo.MongoClient(sys.argv[1])[sys.argv[2]].docs.insert_one({'_id': -1})", uri, db])
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri]
        let full = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup", "--components", "mongo", "--ns", "\(db).*"], environment: env)
        #expect(full.status == 0, "\(full.output)")

        // A writer inserting until told to stop; it prints how many it wrote.
        let stopFile = dir.sub("stop")
        let writer = try ProcessRunner.start(python, ["-c", """
            import os, sys, time, pymongo
            d = pymongo.MongoClient(sys.argv[1])[sys.argv[2]]
            n = 0
            while not os.path.exists(sys.argv[3]):
                d.docs.insert_one({"_id": n, "at": time.time()})
                n += 1
                time.sleep(0.02)
            print(n)
            """, uri, db, stopFile])
        let serveEnv = env.merging(["OPLOG_STREAM": "true", "OPLOG_SLICE_SECONDS": "1", "BACKUP_SCHEDULE": "0 0 1 1 *",
                                    "LIFEBOAT_HTTP_ADDR": "off"]) { $1 }
        // Slices sealed since `date` (their ids carry their start time); polled, since a
        // slice takes as long as the server's oplog query (seconds on a busy test server).
        func slices(after date: Date) -> [String] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            // Ids have whole seconds: only ids of a later second are surely after `date`.
            let since = formatter.string(from: date.addingTimeInterval(1))
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.sub("backup"))) ?? []
            return names.filter { name in
                name.contains("-incr-") && String(name.prefix(16)) >= since
                    && FileManager.default.fileExists(atPath: dir.sub("backup/\(name)/manifest.json"))
            }.sorted()
        }
        func waitForSlice(after date: Date) -> Bool {
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                if !slices(after: date).isEmpty { return true }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return false
        }
        let started = Date()
        let log = dir.sub("serve.log")
        let first = try ProcessRunner.start("/bin/sh", ["-c", "exec '\(ProcessRunner.lifeboatBinary)' serve 2>>'\(log)'"], environment: serveEnv, discardOutput: true)
        #expect(waitForSlice(after: started), "the first service sealed no slice")
        Thread.sleep(forTimeInterval: 0.5)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let restarted = Date()
        let second = try ProcessRunner.start("/bin/sh", ["-c", "exec '\(ProcessRunner.lifeboatBinary)' serve 2>>'\(log)'"], environment: serveEnv, discardOutput: true)
        defer { if second.isRunning { second.terminate() } }
        #expect(waitForSlice(after: restarted), "the restarted service sealed no slice")
        FileManager.default.createFile(atPath: stopFile, contents: Data())
        writer.waitUntilExit()
        let written = Int(String(decoding: (writer.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        // The sealed recovery point must reach the last write (the tail may
        // lag a busy server; every slice moves it forward).
        let last = try ProcessRunner.run(python, ["-c", """
            import pymongo, sys
            c = pymongo.MongoClient(sys.argv[1])
            e = c.local["oplog.rs"].find({"ns": sys.argv[2] + ".docs"}).sort("$natural", -1).limit(1).next()
            print(e["ts"].time, e["ts"].inc)
            """, uri, db]).stdout.split(separator: " ").compactMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let lastWrite = (last.first ?? 0) << 32 | (last.last ?? 0)
        func sealedEnd() -> (id: String, end: UInt64)? {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.sub("backup"))) ?? []).filter { $0.contains("-incr-") }
            var best: (String, UInt64)?
            for name in names {
                guard let text = try? String(contentsOfFile: dir.sub("backup/\(name)/manifest.json"), encoding: .utf8),
                      let range = text.range(of: #""end" : \{\s*"increment" : (\d+),\s*"seconds" : (\d+)"#, options: .regularExpression) else { continue }
                let numbers = text[range].split(whereSeparator: { !$0.isNumber }).compactMap { UInt64($0) }
                let end = numbers[1] << 32 | numbers[0]
                if best == nil || end > best!.1 { best = (name, end) }
            }
            return best
        }
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, (sealedEnd()?.end ?? 0) < lastWrite { Thread.sleep(forTimeInterval: 0.2) }
        #expect((sealedEnd()?.end ?? 0) >= lastWrite, "the last write was never sealed: \((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(3000) ?? "")")
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)

        let list = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["list", "--json"], environment: env)
        let rows = ListJSON.sets(list.stdout) ?? []
        let slices = rows.filter { ($0["id"] as? String)?.contains("-incr-") == true }
        #expect(slices.count >= 3, "slices: \(slices.count)")
        for slice in slices {
            let id = slice["id"] as! String
            let verify = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify", id], environment: env)
            #expect(verify.status == 0, "slice \(id) is not continuous with its parent: \(verify.output)")
        }
        // The slice that reached the last write holds every write: restore to its end.
        let sealed = try #require(sealedEnd())
        let numbers = ["\(sealed.end & 0xFFFF_FFFF)", "\(sealed.end >> 32)"]
        let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", "--to-time", "\(numbers[1]):\(numbers[0])",
                                                                           "--ns-from", "\(db).*", "--ns-to", "\(db)r.*"], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        let count = try ProcessRunner.run(python, ["-c", "import pymongo,sys; print(pymongo.MongoClient(sys.argv[1])[sys.argv[2]].docs.count_documents({'_id': {'$gte': 0}}))", uri, db + "r"])
        #expect(Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == written, "restored \(count.stdout) of \(written) writes")
    }
}
