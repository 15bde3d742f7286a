import Foundation
import Testing
import TestSupport

/// `lifeboat serve` as the compose service runs it: a backup missed while
/// it was down runs at start, the HTTP endpoints answer, logs are JSON
/// lines with a run id, and SIGTERM stops it cleanly.
@Suite struct ServeTests {
    @Test func serveCatchesUpServesStatusAndStopsOnSIGTERM() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "hello\n")
        // The service last ran two days ago: the slot of today 00:00 UTC was missed.
        let twoDaysAgo = Date().addingTimeInterval(-2 * 86_400).formatted(Date.ISO8601FormatStyle())
        TreeBuilder.write(dir.sub("backup/.lifeboat-daemon.json"), "{\"lastScheduledRun\": {\"backup\": \"\(twoDaysAgo)\"}}")
        let port = RedisProcess.freePort()
        let process = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["serve"], environment: [
            "BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "BACKUP_SCHEDULE": "0 0 * * *",
            "LIFEBOAT_HTTP_ADDR": "127.0.0.1:\(port)", "LOG_FORMAT": "json",
        ])
        defer { if process.isRunning { process.terminate() } }
        var health = ""
        for _ in 0..<100 {
            health = (try? ProcessRunner.shell("curl -s http://127.0.0.1:\(port)/healthz"))?.stdout ?? ""
            if health.contains("lastSet") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(health.contains("\"status\" : \"ok\""), "\(health)")
        let metrics = try ProcessRunner.shell("curl -s http://127.0.0.1:\(port)/metrics").stdout
        #expect(metrics.contains("lifeboat_sets{tier=\"local\"} 1"), "\(metrics)")
        let page = try ProcessRunner.shell("curl -s -o /dev/null -w '%{http_code} %{content_type}' http://127.0.0.1:\(port)/").stdout
        #expect(page.hasPrefix("200 text/html"))
        #expect(try ProcessRunner.shell("curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:\(port)/healthz").stdout == "405")

        // The report page in a real browser: rendered, screenshotted, and showing the last backup.
        let lastSet = (try? JSONSerialization.jsonObject(with: Data(health.utf8)) as? [String: Any])?["lastSet"] as? String ?? "?"
        if try Skips.require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium (apt install chromium)") {
            let artifacts = FileManager.default.currentDirectoryPath + "/.build/test-artifacts"
            try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
            let browser = "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir='\(dir.sub("chromium"))'"
            let shot = try ProcessRunner.shell("\(browser) --window-size=1200,900 --screenshot='\(artifacts)/report.png' http://127.0.0.1:\(port)/ 2>&1")
            #expect(shot.status == 0, "\(shot.output)")
            let png = FileManager.default.contents(atPath: artifacts + "/report.png") ?? Data()
            #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a screenshot of the report was taken")
            let dom = try ProcessRunner.shell("\(browser) --dump-dom http://127.0.0.1:\(port)/ 2>/dev/null").stdout
            #expect(dom.contains(lastSet) && dom.contains("Healthy"), "the rendered report names the last backup \(lastSet)")
        }

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stderr = String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = stderr.split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every log line is JSON: \(stderr)")
        #expect(objects.contains { ($0["message"] as? String)?.contains("catching up") == true })
        let runLines = objects.filter { $0["run"] != nil }
        #expect(!runLines.isEmpty && Set(runLines.compactMap { $0["run"] as? String }).count == 1, "one run, one id on each of its lines")
        #expect(objects.last?["message"] as? String == "stopped")
    }
}
