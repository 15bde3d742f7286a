import Foundation
import Testing
import TestSupport

/// The report page's history, on a real chain (MongoDB, files and config:
/// a full set and an incremental) and 60 days of copies of it moved back in
/// time (Tests/tools/backdate_sets.py): the charts are drawn with a point
/// per set, the restorable window with a span per day, a set's page lists
/// its contents, `stats` sums it up; headless Chromium renders the page
/// (the screenshot is kept in .build/test-artifacts/report.png).
@Suite(.serialized) struct ReportChartsTests {
    func get(_ url: String) throws -> ProcessResult { try ProcessRunner.run("/usr/bin/curl", ["-s", "-m", "10", url]) }

    @Test func sixtyDaysOfSetsAreDrawnAndRendered() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("charts")
        let dir = TemporaryDirectory()
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        func py(_ script: String) throws {
            let result = try ProcessRunner.run(python, ["-c", "import pymongo, sys\nd = pymongo.MongoClient(sys.argv[1])[sys.argv[2]]\n" + script, uri, db])
            #expect(result.status == 0, "\(result.output)")
        }
        defer { _ = try? ProcessRunner.run(python, ["-c", "import pymongo, sys\npymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])", uri, db]) }
        for i in 0..<12 { TreeBuilder.write(dir.sub("uploads/docs/d\(i).txt"), String(repeating: "document \(i)\n", count: 200)) }
        TreeBuilder.write(dir.sub("etc/app.env"), "TOKEN=x\n", mode: 0o600)
        let port = RedisProcess.freePort()
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("etc/app.env"), "MONGO_URI": uri,
                   "LIFEBOAT_HTTP_ADDR": "127.0.0.1:\(port)", "BACKUP_SCHEDULE": "0 2 1 1 *", "BACKUP_INCREMENTAL_SCHEDULE": "0 3 1 1 *",
                   "BACKUP_CATCH_UP": "false", "BACKUP_MAX_AGE": "1000d"]
        func lifeboat(_ arguments: [String]) throws -> ProcessResult { try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments, environment: env) }
        try py("d.users.insert_many([{'_id': i, 'name': 'u%d' % i} for i in range(300)])\nd.create_collection('events', capped=True, size=65536)")
        let full = try lifeboat(["backup", "--ns", "\(db).*"])
        #expect(full.status == 0, "\(full.output)")
        try py("d.users.insert_many([{'_id': 1000 + i} for i in range(20)])")
        Thread.sleep(forTimeInterval: 1.1)
        let incremental = try lifeboat(["backup", "--ns", "\(db).*", "--kind", "incremental"])
        #expect(incremental.status == 0 && incremental.stdout.contains("-incr-"), "\(incremental.output)")
        let made = try ProcessRunner.run("/usr/bin/python3", ["Tests/tools/backdate_sets.py", dir.sub("backup"), "60"])
        #expect(made.status == 0 && made.stdout.contains("120"), "\(made.output)")

        let stats = try lifeboat(["stats", "--json"])
        #expect(stats.status == 0, "\(stats.output)")
        #expect(try JSONSchemaCheck.problem(stats.stdout, schema: "stats") == nil)
        let text = try lifeboat(["stats"])
        #expect(text.status == 0 && text.stdout.contains("122 sets") && text.stdout.contains("documents") && text.stdout.contains("MongoDB restorable: 61 window(s)"), "\(text.output)")

        let serve = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["serve"], environment: env, discardOutput: true)
        defer { kill(serve.processIdentifier, SIGKILL) }
        #expect(ProcessRunner.waitForPort(port, seconds: 10))
        let page = try get("http://127.0.0.1:\(port)/").stdout
        #expect(page.components(separatedBy: "<svg").count - 1 >= 5, "stored size, duration, documents, files, restorable window")
        // A point per set in the stored-size chart (mongo, files, config: 122 each) and a span per day in the window.
        #expect(page.components(separatedBy: "<circle").count - 1 >= 3 * 120, "\(page.prefix(400))")
        let windows = page.components(separatedBy: "fill=\"#43a047\"").count - 1
        #expect(windows >= 60, "\(windows) restorable windows drawn")
        #expect(page.contains("href=\"/sets/"), "set ids link to their pages")
        let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.sub("backup")).filter { $0.contains("-full-") }.max())
        let setPage = try get("http://127.0.0.1:\(port)/sets/\(newest)").stdout
        // ls: the namespaces with their counts and options (read from the archive's prelude).
        let ls = try lifeboat(["ls", newest, "--components", "mongo", "--json"])
        #expect(ls.status == 0 && ls.stdout.contains("\(db).events") && ls.stdout.contains("capped"), "\(ls.output)")
        #expect(setPage.contains("docs/d3.txt") && setPage.contains("\(db).users"), "\(setPage.prefix(600))")

        // Rendered by a real browser: the screenshot is kept for a person to look at.
        let artifacts = FileManager.default.currentDirectoryPath + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let shot = artifacts + "/report.png"
        try? FileManager.default.removeItem(atPath: shot)
        let chromium = try ProcessRunner.run("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir.sub("chromium"))",
                                                                   "--window-size=1000,1800", "--screenshot=\(shot)", "http://127.0.0.1:\(port)/"])
        let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
        #expect(size > 30_000, "chromium wrote \(size) bytes: \(chromium.output.suffix(800))")
        let setShot = artifacts + "/set-page.png"
        _ = try ProcessRunner.run("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.sub("chromium"))",
                                                        "--window-size=1000,1000", "--screenshot=\(setShot)", "http://127.0.0.1:\(port)/sets/\(newest)"])
    }
}
