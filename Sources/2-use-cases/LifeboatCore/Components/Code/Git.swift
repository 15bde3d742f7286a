import ByteStreams
import ErrorCategories
import Foundation

/// The stock `git` program, run with arguments (never through a shell).
/// The application's repository is read with git itself, so the bundle is
/// exactly what `git bundle create` writes and `git clone` reads.
struct Git {
    /// Where git runs (`-C`); nil for commands that take no repository.
    let directory: String?

    /// A failed git run: its arguments, status and what it printed.
    struct Failure: CategorizedError {
        let arguments: [String]
        let status: Int32
        let message: String
        /// git itself is not there.
        var missing: Bool { status == 127 }
        var category: ErrorCategory { .failure }
        var recoveryHint: String? { missing ? "install git in the image that runs Lifeboat (Debian: apt-get install git)" : nil }
        var description: String {
            missing ? "git is not installed (needed for the 'code' component)"
                : "git \(arguments.prefix(2).joined(separator: " ")) failed (status \(status)): \(message)"
        }
    }

    /// The arguments every run gets: the repository may belong to another
    /// user (a bind mount), which git otherwise refuses as "dubious
    /// ownership"; nothing may prompt or take a lock in a read-only mount.
    private var common: [String] {
        (directory.map { ["-C", $0, "-c", "safe.directory=\($0)"] } ?? []) + ["--no-optional-locks"]
    }

    private func process(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + common + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        // The repository is the one named by -C, never one the environment points at.
        for name in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG_PARAMETERS"] { environment[name] = nil }
        environment["LC_ALL"] = "C"
        process.environment = environment
        return process
    }

    /// Runs git and returns what it printed, trimmed; throws on a non-zero status.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        var output = Data()
        try stream(arguments) { output.append(contentsOf: $0) }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs git, `nil` instead of an error when it exits non-zero (a question
    /// whose answer may be "none", like the current branch).
    func answer(_ arguments: [String]) -> String? {
        try? run(arguments)
    }

    /// Runs git with its standard output streamed into `consume` in chunks
    /// (a bundle is never held in memory).
    func stream(_ arguments: [String], into consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        let process = process(arguments)
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // stderr is read on its own thread so a chatty git never blocks on a full pipe.
        let errors = ErrorText()
        let reader = Thread { errors.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        var failure: (any Error)?
        let handle = stdout.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            if failure == nil {
                do { try chunk.withUnsafeBytes { try consume($0) } } catch {
                    failure = error
                    process.terminate()
                }
            }
        }
        process.waitUntilExit()
        let message = errors.wait()
        if let failure { throw failure }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(arguments: arguments, status: process.terminationStatus,
                          message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// What git wrote to standard error, handed from the reading thread.
    /// @unchecked Sendable: `text` is written once under the condition's lock
    /// and read only after `done` is set under it.
    private final class ErrorText: @unchecked Sendable {
        private let condition = NSCondition()
        private var text = ""
        private var done = false
        func set(_ data: Data) {
            condition.lock()
            text = String(decoding: data, as: UTF8.self)
            done = true
            condition.signal()
            condition.unlock()
        }
        func wait() -> String {
            condition.lock()
            while !done { condition.wait() }
            defer { condition.unlock() }
            return text
        }
    }
}
