import Foundation

/// Tests/tools/smtp_server.py (aiosmtpd, from the test venv) on a free
/// port: each accepted message is a JSON line of `file`. `refuse` answers
/// 550 to recipients; `login` requires it; `tls` offers STARTTLS with a
/// fresh self-signed certificate for 127.0.0.1 (its path is `caFile`).
public final class SMTPServer {
    public let port: Int
    public let file: String
    public let caFile: String?
    private let process: Process

    public static var available: Bool {
        (try? ProcessRunner.shell("cd '\(FileManager.default.currentDirectoryPath)' && .test-servers/venv/bin/python -c 'import aiosmtpd'").status) == 0
    }

    public init(directory: String, refuse: Bool = false, login: String? = nil, tls: Bool = false) throws {
        port = RedisProcess.freePort()
        file = directory + "/mail-\(port).jsonl"
        let root = FileManager.default.currentDirectoryPath
        var arguments = [root + "/Tests/tools/smtp_server.py", "--port", String(port), "--out", file]
        if refuse { arguments.append("--refuse") }
        if let login { arguments += ["--auth", login] }
        if tls {
            let cert = directory + "/smtp-\(port).pem", key = directory + "/smtp-\(port).key"
            let made = try ProcessRunner.shell("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '\(key)' -out '\(cert)' 2>&1")
            guard made.status == 0 else { throw ServerFailure(description: "openssl: \(made.output)") }
            arguments += ["--tls", cert, key]
            caFile = cert
        } else {
            caFile = nil
        }
        process = try ProcessRunner.start(root + "/.test-servers/venv/bin/python", arguments, discardOutput: true)
        guard ProcessRunner.waitForPort(port, seconds: 10) else { throw ServerFailure(description: "smtp_server.py did not listen on \(port)") }
    }

    /// The messages received so far: envelope sender, recipients, text, whether over TLS, the login.
    public var messages: [[String: Any]] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

public struct ServerFailure: Error, CustomStringConvertible {
    public let description: String
}
