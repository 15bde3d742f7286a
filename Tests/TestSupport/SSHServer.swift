import Foundation

/// Debian's OpenSSH server (`/usr/sbin/sshd`) on a free loopback port, for
/// the SFTP tier's tests: a fresh host key, one client key authorized (key
/// login only), the internal SFTP server. `knownHostsFile` holds the host
/// key as `[127.0.0.1]:PORT`; `wrongKnownHostsFile` another key for the
/// same name (a server that is not the one expected). The user is the one
/// the tests run as (sshd not run as root can log in no one else).
public final class SSHServer {
    public let port: Int
    public let directory: String
    public let user: String
    public let clientKeyFile: String
    public let knownHostsFile: String
    public let wrongKnownHostsFile: String
    private var process: Process?

    public static let binary = "/usr/sbin/sshd"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Starts one, or returns nil when sshd is absent and skipping is allowed.
    public static func start(in directory: String) throws -> SSHServer? {
        guard try Skips.require(available, "OpenSSH's sshd (apt-get install openssh-server)") else { return nil }
        return try SSHServer(directory: directory)
    }

    init(directory: String) throws {
        self.directory = directory
        port = RedisProcess.freePort()
        user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: getpwuid(getuid())!.pointee.pw_name)
        clientKeyFile = directory + "/client_key"
        knownHostsFile = directory + "/known_hosts"
        wrongKnownHostsFile = directory + "/known_hosts_wrong"
        let made = try ProcessRunner.shell("""
            cd '\(directory)' && ssh-keygen -q -t ed25519 -N '' -f host_key && ssh-keygen -q -t ed25519 -N '' -f client_key \
            && ssh-keygen -q -t ed25519 -N '' -f other_key && cp client_key.pub authorized_keys \
            && echo "[127.0.0.1]:\(port) $(cut -d' ' -f1,2 host_key.pub)" > known_hosts \
            && echo "[127.0.0.1]:\(port) $(cut -d' ' -f1,2 other_key.pub)" > known_hosts_wrong && mkdir -p /run/sshd 2>/dev/null; true
            """)
        guard made.status == 0 else { throw ServerFailure(description: "ssh-keygen: \(made.output)") }
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory)/host_key
            AuthorizedKeysFile \(directory)/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            Subsystem sftp internal-sftp
            PidFile \(directory)/sshd.pid
            """.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        try startProcess()
    }

    private func startProcess() throws {
        // -D: stay in the foreground (so the test owns the process); -e: log
        // to stderr. Under a shell that stays: sshd closes every inherited
        // descriptor, including the one Foundation watches to learn that
        // its child ended (it would wait for sshd and notice no other exit).
        process = try ProcessRunner.start("/bin/sh", ["-c", "\(Self.binary) -D -e -f '\(directory)/sshd_config'; true"], discardOutput: true)
        guard ProcessRunner.waitForPort(port, seconds: 10) else { throw ServerFailure(description: "sshd did not listen on \(port)") }
    }

    /// Kills the server (and every session it forked): a server gone mid-transfer.
    public func kill() {
        guard let process else { return }
        // The listener forks a process per connection (and that one per
        // session): the whole tree goes, as when the machine dies.
        _ = try? ProcessRunner.shell("tree() { for c in $(ps -o pid= --ppid $1); do tree $c; done; kill -KILL $1 2>/dev/null; }; tree \(process.processIdentifier)")
        process.waitUntilExit()
        self.process = nil
    }

    public func restart() throws {
        kill()
        try startProcess()
    }

    /// `sftp://USER@127.0.0.1:PORT/FOLDER`.
    public func url(folder: String) -> String { "sftp://\(user)@127.0.0.1:\(port)\(folder)" }

    deinit { kill() }
}
