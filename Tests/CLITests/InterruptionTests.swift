import Foundation
import Testing
import TestSupport

/// Ctrl-C and SIGTERM during one-shot commands are spoken to: what was
/// interrupted, what it leaves, no temporary files, exit 130 or 143.
@Suite struct InterruptionTests {
    let binary = ProcessRunner.lifeboatBinary

    @Test(arguments: [SIGINT, SIGTERM])
    func aBackupInterruptedSaysWhatItLeavesAndRemovesItsTemporaryFiles(signal: Int32) throws {
        let dir = TemporaryDirectory()
        // Enough incompressible data to be mid-artifact when the signal comes.
        for i in 0..<40 { TreeBuilder.writeRandom(dir.sub("uploads/f\(i).bin"), bytes: 4 << 20, seed: UInt64(i + 1)) }
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "BACKUP_COMPRESSION": "gzip", "BACKUP_COMPRESSION_LEVEL": "9"]
        let process = try ProcessRunner.start(binary, ["backup"], environment: env)
        let stderr = (process.standardError as! Pipe).fileHandleForReading
        var seen = ""
        while !seen.contains("backup ") {
            let chunk = stderr.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, signal)
        seen += String(decoding: stderr.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signal, "exit \(process.terminationStatus): \(seen)")
        #expect(seen.contains("interrupted (\(signal == SIGINT ? "SIGINT" : "SIGTERM")): set "), "\(seen)")
        #expect(seen.contains("is incomplete: it is not listed or restorable, its temporary files are removed"), "\(seen)")
        let leftovers = (FileManager.default.enumerator(atPath: dir.sub("backup"))?.allObjects as? [String] ?? []).filter { $0.contains(".lifeboat-tmp-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        let list = try ProcessRunner.run(binary, ["list"], environment: env)
        #expect(list.stderr.contains("is incomplete: an interrupted backup or copy"), "\(list.output)")
    }
}

/// An S3 endpoint that accepts connections and then says nothing (fault
/// injection: a stalled load balancer) ends a backup in bounded time, with
/// the local set complete and the lock released.
@Suite struct StalledS3Tests {
    @Test func aStalledS3EndsTheBackupInBoundedTimeWithTheLocalSetComplete() throws {
        let port = RedisProcess.freePort()
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        let silent = try ProcessRunner.start(FileManager.default.isExecutableFile(atPath: python) ? python : "/usr/bin/python3", ["-c", """
            import socket, sys, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
            held = []
            end = time.time() + 120
            s.settimeout(1)
            while time.time() < end:
                try: held.append(s.accept()[0])
                except socket.timeout: pass
            """, String(port)], discardOutput: true)
        defer { kill(silent.processIdentifier, SIGKILL) }
        #expect(ProcessRunner.waitForPort(port))
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "AWS_S3_BUCKET": "stalled",
                   "AWS_ENDPOINT_URL": "http://127.0.0.1:\(port)", "AWS_ACCESS_KEY_ID": "AKIA0000", "AWS_SECRET_ACCESS_KEY": "secret",
                   "S3_STALL_SECONDS": "2", "S3_TIMEOUT_SECONDS": "6"]
        let started = Date()
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
        let seconds = Date().timeIntervalSince(started)
        #expect(backup.status == 1, "\(backup.output)")
        #expect(seconds < 30, "a stalled S3 held the backup for \(Int(seconds)) s")
        #expect(backup.stderr.contains("S3_TIMEOUT_SECONDS=6") || backup.stderr.contains("did not answer earlier in this run"), "\(backup.stderr)")
        // The local set is complete, and the lock is free for the next run.
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FileManager.default.fileExists(atPath: dir.sub("backup/\(id)/manifest.json")), "\(backup.output)")
        var local = env
        local["AWS_S3_BUCKET"] = nil
        local["AWS_ENDPOINT_URL"] = nil
        local["AWS_ACCESS_KEY_ID"] = nil
        local["AWS_SECRET_ACCESS_KEY"] = nil
        #expect(try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: local).status == 0)
    }
}
