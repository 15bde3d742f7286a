import Foundation

/// Tests/tools/webhook_receiver.py on a free port: every alert posted to
/// `url` is a line of `file` (the first `failing` posts answered 500).
public final class WebhookReceiver {
    public let url: String
    public let file: String
    private let process: Process

    public init(file: String, failing: Int = 0) throws {
        let port = RedisProcess.freePort()
        let script = FileManager.default.currentDirectoryPath + "/Tests/tools/webhook_receiver.py"
        process = try ProcessRunner.start("/usr/bin/python3", [script, String(port), file, String(failing)], discardOutput: true)
        ProcessRunner.waitForPort(port)
        url = "http://127.0.0.1:\(port)/hook"
        self.file = file
    }

    /// The alerts received so far, one JSON document each.
    public var alerts: [String] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Every request so far: `POST /path body` (heartbeat pings too).
    public var requests: [String] {
        ((try? String(contentsOfFile: file + ".requests", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
