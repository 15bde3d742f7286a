import Foundation
import Testing
import TestSupport

/// The status server holds up: slow clients are cut off at the head
/// deadline, a descriptor limit reached does not stop it for good, bad
/// requests get an answer, IPv6 works.
@Suite struct StatusServerTests {
    func get(_ url: String) -> String? {
        (try? ProcessRunner.run("/usr/bin/curl", ["-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}", url]))?.stdout
    }

    func waitFor200(_ url: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if get(url) == "200" { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    @Test func slowClientsAndADescriptorLimitDoNotKnockTheServiceOut() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        let port = RedisProcess.freePort()
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "LIFEBOAT_HTTP_ADDR": "127.0.0.1:\(port)",
                   "BACKUP_SCHEDULE": "0 2 * * *", "BACKUP_CATCH_UP": "false"]
        #expect(try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env).status == 0)
        // A descriptor limit of 64, as a small container might have.
        let log = dir.sub("serve.log")
        let serve = try ProcessRunner.start("/bin/sh", ["-c", "ulimit -n 64 && exec \"$0\" serve 2> \"$1\"", ProcessRunner.lifeboatBinary, log], environment: env, discardOutput: true)
        defer { kill(serve.processIdentifier, SIGKILL) }
        #expect(ProcessRunner.waitForPort(port, seconds: 10))
        let url = "http://127.0.0.1:\(port)/healthz"
        #expect(waitFor200(url, seconds: 5), "healthy after a one-shot backup")

        // 100 idle connections: more than the descriptors the service has.
        var sockets: [Int32] = []
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            _ = "G".withCString { send(fd, $0, 1, Int32(MSG_NOSIGNAL)) }  // a slow client's first byte
            sockets.append(fd)
        }
        // The head deadline frees the slots: the health check is answered while they hang on.
        #expect(waitFor200(url, seconds: 12), "the status server did not answer with 100 slow clients connected")
        for fd in sockets { close(fd) }
        #expect(waitFor200(url, seconds: 5), "the status server did not recover after the connections closed")
        // A malformed request gets an answer, not silence.
        let bad = try ProcessRunner.shell("printf 'NONSENSE\\r\\n\\r\\n' | timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(port); cat >&3; cat <&3' | head -1")
        #expect(bad.stdout.contains("400"), "\(bad.output)")
        #expect(serve.isRunning)
        let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(said.contains("the descriptor limit is 64 (ulimit -n), too few for 128 connections"), "\(said)")
    }

    @Test func itListensOnIPv6() throws {
        guard (try? ProcessRunner.run("/usr/bin/curl", ["-s", "-m", "1", "http://[::1]:1/"]))?.status != nil else { return }
        let dir = TemporaryDirectory()
        let port = RedisProcess.freePort()
        let env = ["BACKUP_DIR": dir.sub("backup"), "LIFEBOAT_HTTP_ADDR": "[::1]:\(port)", "BACKUP_CATCH_UP": "false", "UPLOADS_DIR": dir.path]
        let serve = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["serve"], environment: env, discardOutput: true)
        defer { kill(serve.processIdentifier, SIGKILL) }
        var answered: String?
        for _ in 0..<50 {
            answered = get("http://[::1]:\(port)/healthz")
            if answered == "200" || answered == "503" { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(answered == "200" || answered == "503", "no answer on [::1]:\(port): \(answered ?? "nil")")
    }

    /// A client that trickles its request head a byte a second is cut off
    /// at the head deadline (5 s), not kept alive by each byte; a taken
    /// address is refused before any backup starts, naming the variable.
    @Test func aTricklingClientIsCutOffAndATakenAddressIsRefused() throws {
        let dir = TemporaryDirectory()
        let port = RedisProcess.freePort()
        let env = ["BACKUP_DIR": dir.sub("backup"), "LIFEBOAT_HTTP_ADDR": "127.0.0.1:\(port)", "BACKUP_CATCH_UP": "false", "UPLOADS_DIR": dir.path]
        let serve = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["serve"], environment: env, discardOutput: true)
        defer { kill(serve.processIdentifier, SIGKILL) }
        #expect(ProcessRunner.waitForPort(port, seconds: 10))

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(connected == 0)
        let started = Date()
        var closedAfter: Double?
        for byte in Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa".utf8) {
            var one = byte
            // A closed peer shows as a failed send or a readable end of stream.
            var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&probe, 1, 0) > 0 || send(fd, &one, 1, Int32(MSG_NOSIGNAL)) < 0 {
                closedAfter = Date().timeIntervalSince(started)
                break
            }
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(closedAfter != nil, "a client trickling its head was kept for \(Date().timeIntervalSince(started)) s")
        #expect((closedAfter ?? 99) < 8, "cut off after \(closedAfter ?? -1) s, the deadline is 5 s")

        // A request whose body trickles in after its head (answered at once,
        // 405 or 200) is cut off at the request deadline (10 s).
        let body = try ProcessRunner.shell("""
            python3 - <<'PY'
            import socket, time
            s = socket.create_connection(("127.0.0.1", \(port)))
            s.sendall(b"POST /healthz HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 100000\\r\\n\\r\\n")
            s.settimeout(0.5)
            started = time.time()
            while time.time() - started < 30:
                try:
                    s.sendall(b"a")
                    if s.recv(4096) == b"":
                        break
                except socket.timeout:
                    pass
                except OSError:
                    break
                time.sleep(0.5)
            print("closed after %.1f" % (time.time() - started))
            PY
            """)
        let seconds = Double(body.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 99
        #expect(seconds < 14, "a trickled request body held the connection: \(body.output)")

        // The same address for a second service: refused, exit 64, no backup.
        let second = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["serve"], environment: env.merging(["BACKUP_DIR": dir.sub("second")]) { $1 })
        #expect(second.status == 64)
        #expect(second.stderr.contains("LIFEBOAT_HTTP_ADDR=127.0.0.1:\(port): cannot listen: Address already in use; no backup was started"), "\(second.output)")
        #expect(serve.isRunning)
    }
}
