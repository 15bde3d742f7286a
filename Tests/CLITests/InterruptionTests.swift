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
