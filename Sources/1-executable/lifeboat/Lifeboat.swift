import ArgumentParser
import Foundation
import LifeboatCore

@main
struct Lifeboat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifeboat",
        abstract: "Backup and recovery for Docker Compose stacks: MongoDB, Redis, files and config.",
        discussion: """
        Configured by environment variables (see `lifeboat config`); options override them.

        Exit status:
        \(ExitStatus.allCases.map { "  \(String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0))\($0.meaning)" }.joined(separator: "\n"))
        """,
        version: LifeboatVersion.current,
        subcommands: [BackupCommand.self, ListCommand.self, LsCommand.self, FindCommand.self, DiffCommand.self, DumpCommand.self, StatsCommand.self, VerifyCommand.self, RestoreCommand.self, PruneCommand.self, CopyCommand.self, ThawCommand.self, RebuildCommand.self, DrillCommand.self, ServeCommand.self, StatusCommand.self, ReportCommand.self, DoctorCommand.self, AlertCommand.self, AuditCommand.self, HealthcheckCommand.self, ConfigCommand.self]
    )

    /// One place turns errors into messages and exit statuses.
    static func main() async {
        // Names with non-ASCII characters (Arabic, emoji) must pass through
        // libarchive's charset conversion unchanged.
        setlocale(LC_ALL, "C.UTF-8")
        // Stream buffers (S3 parts and ranges, a few MiB each) must go back to
        // the system when freed. glibc raises its mmap threshold after the
        // first such free and then keeps them in the heap, where they pile
        // up (80 instead of 56 MiB for a download); a fixed threshold stops that.
        // (mallopt through dlsym: Swift's Glibc module does not export malloc.h;
        // -3 is M_MMAP_THRESHOLD there.)
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: Mallopt.self)(-3, 128 * 1024)
        }
        do {
            var command = try parseAsRoot()
            // One-shot commands say what an interruption leaves and undo what
            // they can; the service owns its signals (graceful shutdown).
            if let service = command as? ServeCommand {
                try await service.run()
            } else {
                SignalHandlers.install()
                if let audited = command as? any AuditedCommand {
                    try Audit.run(audited) { try command.run() }
                } else {
                    try command.run()
                }
            }
        } catch let error as LifeboatError {
            Output.error(error.description)
            Foundation.exit(error.status.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}
