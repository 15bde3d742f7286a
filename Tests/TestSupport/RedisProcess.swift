import Foundation

/// A private redis-server for one test, on a free loopback port, removed
/// with the value. Tests that need one skip (or fail, in CI) without
/// redis-server installed.
public final class RedisProcess: @unchecked Sendable {
    // @unchecked Sendable: fields are set in init; `killed` is only touched
    // by the test that owns the server, from one thread at a time.
    public let port: Int
    public let directory: TemporaryDirectory
    private let pid: pid_t

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") }

    public init(arguments: [String] = []) throws {
        directory = TemporaryDirectory("lifeboat-redis")
        port = Self.freePort()
        // posix_spawn and waitpid, not Foundation's Process: its
        // terminate-and-wait can hang on Linux for a server child.
        pid = try Self.spawn("/usr/bin/redis-server", [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "", "--appendonly", "no",
            "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes", "--daemonize", "no", "--logfile", directory.sub("redis.log"),
        ] + arguments)
        for _ in 0..<200 {
            if (try? ProcessRunner.run("/usr/bin/redis-cli", ["-p", String(port), "ping"]))?.stdout.contains("PONG") == true
                || (try? ProcessRunner.run("/usr/bin/redis-cli", ["-p", String(port), "ping"]))?.stdout.contains("NOAUTH") == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Skips.MissingPrerequisite(what: "redis-server on port \(port) (did not answer)")
    }

    deinit { kill() }

    static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let result = posix_spawn(&pid, path, &actions, nil, argv, environ)
        if result != 0 { throw Skips.MissingPrerequisite(what: "\(path) (posix_spawn: \(String(cString: strerror(result))))") }
        return pid
    }

    public var url: String { "redis://127.0.0.1:\(port)/" }

    /// Kills the server (SIGKILL) and reaps it; safe to call twice.
    public func kill() {
        guard !killed else { return }
        killed = true
        Foundation.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private var killed = false

    /// `redis-cli` against this server.
    @discardableResult
    public func cli(_ arguments: [String], password: String? = nil) throws -> String {
        var all = ["-p", String(port)]
        if let password { all += ["-a", password, "--no-auth-warning"] }
        return try ProcessRunner.run("/usr/bin/redis-cli", all + arguments).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
