import Foundation

/// Runs a program and captures its output and exit status.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public var output: String { stdout + stderr }
}

public enum ProcessRunner {
    /// The built `lifeboat` binary, beside the test bundle.
    public static var lifeboatBinary: String {
        if let explicit = ProcessInfo.processInfo.environment["LIFEBOAT_BINARY"] { return explicit }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the tests run from <build>/debug/<pkg>PackageTests.xctest.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("lifeboat").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return ".build/debug/lifeboat"
    }

    /// Runs `executable` with exactly `environment` (plus PATH), no stdin.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        let process = try start(executable, arguments, environment: environment)
        let out = process.standardOutput as! Pipe
        let err = process.standardError as! Pipe
        // Read both pipes concurrently so a full stderr cannot block stdout.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    public static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                             discardOutput: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = environment
        env["PATH"] = env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        if discardOutput {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        } else {
            process.standardOutput = Pipe()
            process.standardError = Pipe()
        }
        try process.run()
        return process
    }

    /// Runs a shell command line, for stock tools (GNU tar, python3).
    @discardableResult
    public static func shell(_ command: String) throws -> ProcessResult {
        try run("/bin/sh", ["-c", command], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
    }
}

extension ProcessRunner {
    /// Waits until something accepts TCP connections on 127.0.0.1:`port` (a
    /// helper server the test started); false after `seconds`.
    @discardableResult
    public static func waitForPort(_ port: Int, seconds: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if connected == 0 { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
